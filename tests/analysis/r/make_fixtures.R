# R reference values for follicle's Part 1 analysis (tests/analysis/test_r_agreement.py).
#
# Reads tests/analysis/r/inputs/*.csv (written by make_inputs.py), derives the analysis
# variables on its own and writes tests/analysis/r/expected/*.csv at full precision
# (format(x, digits = 17)). The first line of each file names R's version and the SHA-256 of
# this script and common.R; a test recomputes the hash, so editing this script without regenerating the
# fixtures fails. Run from anywhere (base R only: stats, grDevices):
#
#   .venv/bin/python tests/analysis/r/make_inputs.py
#   Rscript tests/analysis/r/make_fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "common.R"))

cohorts <- c("seed", "generated")
DAYS_PER_YEAR <- 365.25
DAYS_PER_MONTH <- 365.25 / 12

derive_women <- function(cohort) {
  w <- read_input(sprintf("women_%s.csv", cohort))
  inj <- read_input(sprintf("injections_%s.csv", cohort))
  preg <- read_input(sprintf("pregnancies_%s.csv", cohort))
  inj$injection_date <- as_date(inj$injection_date)
  first <- aggregate(injection_date ~ participant_id, inj, min)
  names(first)[2] <- "first_injection"
  last <- aggregate(injection_date ~ participant_id, inj, max)
  names(last)[2] <- "last_injection"
  count <- aggregate(injection_date ~ participant_id, inj, length)
  names(count)[2] <- "injections"
  w <- merge(merge(merge(w, first), last), count)
  w <- w[order(w$participant_id), ]
  w$birth_date <- as_date(w$birth_date)
  w$end_of_followup <- as_date(w$end_of_followup)
  w$age <- completed_years(w$birth_date, w$first_injection)
  w$age_followup <- completed_years(w$birth_date, w$end_of_followup)
  w$followup_years <- as.numeric(w$end_of_followup - w$last_injection) / DAYS_PER_YEAR
  w$age_group <- ifelse(w$age < 35, "under_35", "35_or_over")
  w$injection_group <- ifelse(w$injections >= 3, "3_plus", as.character(w$injections))
  w$pregnant <- w$participant_id %in% preg$participant_id
  w
}

derive_pregnancies <- function(cohort) {
  inj <- read_input(sprintf("injections_%s.csv", cohort))
  preg <- read_input(sprintf("pregnancies_%s.csv", cohort))
  inj$injection_date <- as_date(inj$injection_date)
  preg$conception_date <- as_date(preg$conception_date)
  # The most recent injection on or before conception.
  latest <- mapply(function(id, when) {
    d <- inj$injection_date[inj$participant_id == id]
    max(d[d <= when])
  }, preg$participant_id, preg$conception_date)
  preg$injection_date <- as.Date(latest, origin = "1970-01-01")
  preg$days <- as.numeric(preg$conception_date - preg$injection_date)
  preg$months <- preg$days / DAYS_PER_MONTH
  preg$month <- floor(preg$months + 0.5)
  preg
}

htest_row <- function(case, tab) {
  r <- suppressWarnings(chisq.test(tab, correct = TRUE))
  data.frame(case = case, a = tab[1, 1], b = tab[1, 2], c = tab[2, 1], d = tab[2, 2],
             statistic = unname(r$statistic), df = unname(r$parameter),
             p_value = r$p.value, method = r$method)
}

summary_row <- function(cohort, variable, x) {
  x <- x[!is.na(x)]
  data.frame(cohort = cohort, variable = variable, n = length(x), mean = mean(x),
             sd = sd(x), median = median(x), min = min(x), max = max(x))
}

boxplot_row <- function(case, x) {
  b <- boxplot.stats(x)
  f <- fivenum(x)
  q <- quantile(x, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  data.frame(case = case, n = b$n,
             lower_whisker = b$stats[1], lower_hinge = b$stats[2], median = b$stats[3],
             upper_hinge = b$stats[4], upper_whisker = b$stats[5],
             conf_low = b$conf[1], conf_high = b$conf[2],
             out = paste(full(b$out), collapse = ";"),
             fivenum_1 = f[1], fivenum_2 = f[2], fivenum_3 = f[3], fivenum_4 = f[4],
             fivenum_5 = f[5], q25 = q[1], q50 = q[2], q75 = q[3])
}

chisq_rows <- list()
summary_rows <- list()
boxplot_rows <- list()

# Hand-made 2 x 2 tables: [[a, b], [c, d]].
tables <- read_input("tables_2x2.csv")
for (i in seq_len(nrow(tables))) {
  cells <- as.numeric(unlist(tables[i, c("a", "b", "c", "d")]))
  tab <- matrix(cells, nrow = 2, byrow = TRUE)
  chisq_rows[[length(chisq_rows) + 1]] <- htest_row(tables$case[i], tab)
}

vectors <- read_input("vectors.csv")
for (i in seq_len(nrow(vectors))) {
  x <- as.numeric(strsplit(vectors$values[i], ";")[[1]])
  boxplot_rows[[length(boxplot_rows) + 1]] <- boxplot_row(vectors$case[i], x)
}

factors <- list(
  age = list(column = "age_group", levels = c("under_35", "35_or_over")),
  menses = list(column = "menses_baseline", levels = c("regular", "irregular")),
  injections = list(column = "injection_group", levels = c("1", "2"))
)

for (cohort in cohorts) {
  w <- derive_women(cohort)
  p <- derive_pregnancies(cohort)
  write_fixture(w[, c("participant_id", "injections", "age", "age_followup", "followup_years",
                      "age_group", "pregnant")], sprintf("derived_women_%s.csv", cohort))
  write_fixture(p[, c("pregnancy_id", "injection_date", "days", "months", "month")],
                sprintf("derived_pregnancies_%s.csv", cohort))
  for (name in names(factors)) {
    f <- factors[[name]]
    tab <- table(factor(w[[f$column]], levels = f$levels),
                 factor(w$pregnant, levels = c(TRUE, FALSE)))
    chisq_rows[[length(chisq_rows) + 1]] <- htest_row(paste(cohort, name, sep = "."), tab)
  }
  for (v in c("age", "age_followup", "followup_years")) {
    summary_rows[[length(summary_rows) + 1]] <- summary_row(cohort, v, w[[v]])
  }
  for (m in c("spontaneous", "ivf")) {
    chosen <- p[p$mode == m, ]
    summary_rows[[length(summary_rows) + 1]] <-
      summary_row(cohort, paste0("months_", m), chosen$months)
    summary_rows[[length(summary_rows) + 1]] <-
      summary_row(cohort, paste0("month_", m), chosen$month)
  }
  boxplot_rows[[length(boxplot_rows) + 1]] <-
    boxplot_row(paste(cohort, "pregnant_ages", sep = "."), w$age[w$pregnant])
}

write_fixture(do.call(rbind, chisq_rows), "chisq.csv")
write_fixture(do.call(rbind, summary_rows), "summaries.csv")
write_fixture(do.call(rbind, boxplot_rows), "boxplot.csv")
