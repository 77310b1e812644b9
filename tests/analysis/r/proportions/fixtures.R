# R reference values for follicle's intervals, 2 x 2 tables and benchmarks
# (tests/analysis/test_r_proportions.py).
#
# Reads inputs/*.csv (written by make_inputs.py), derives the per-woman variables itself
# (ages, groups, pregnancy flags, IVF treatment, live births, months to pregnancy) and writes
# expected/*.csv at 17 significant digits. The first line of each file names R's version and
# the SHA-256 of this script and common.R; a test recomputes the hash. Base R only (stats):
#
#   .venv/bin/python tests/analysis/r/proportions/make_inputs.py
#   Rscript tests/analysis/r/proportions/fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))

DAYS_PER_YEAR <- 365.25
DAYS_PER_MONTH <- 365.25 / 12
LEVEL <- 0.95

# ---- counts: Wilson, Clopper-Pearson, one-sided bound, binomial p ----------------------------
count_row <- function(case, n, total, p0) {
  w <- suppressWarnings(prop.test(n, total, correct = FALSE, conf.level = LEVEL))
  w90 <- suppressWarnings(prop.test(n, total, correct = FALSE, conf.level = 0.90))
  b <- binom.test(n, total, p = p0, conf.level = LEVEL)
  b99 <- binom.test(n, total, conf.level = 0.99)
  less <- binom.test(n, total, alternative = "less", conf.level = LEVEL)
  data.frame(case = case, n = n, total = total, p0 = p0,
             wilson_low = w$conf.int[1], wilson_high = w$conf.int[2],
             wilson90_low = w90$conf.int[1], wilson90_high = w90$conf.int[2],
             exact_low = b$conf.int[1], exact_high = b$conf.int[2],
             exact99_low = b99$conf.int[1], exact99_high = b99$conf.int[2],
             upper_one_sided = less$conf.int[2], binom_p = b$p.value)
}

counts <- read_input("counts.csv")
count_rows <- lapply(seq_len(nrow(counts)), function(i) {
  count_row(counts$case[i], as.numeric(counts$n[i]), as.numeric(counts$total[i]),
            as.numeric(counts$p0[i]))
})

# ---- 2 x 2 tables ---------------------------------------------------------------------------
table_row <- function(case, a, b, c, d) {
  m <- matrix(c(a, c, b, d), 2)  # rows = groups, columns = event, no event
  yates <- suppressWarnings(chisq.test(m, correct = TRUE))
  plain <- suppressWarnings(chisq.test(m, correct = FALSE))
  f <- fisher.test(m, conf.level = LEVEL)
  ft <- fisher_tight(m, conf.level = LEVEL)
  n1 <- a + b
  n2 <- c + d
  intervals <- two_proportion_intervals(a, b, c, d, LEVEL)
  rd <- intervals$wald
  newcombe <- intervals$newcombe
  # Woolf's interval of the sample odds ratio, only without a zero cell.
  or <- (a * d) / (b * c)
  woolf <- if (all(c(a, b, c, d) > 0)) {
    exp(log(or) + c(-1, 1) * qnorm((1 + LEVEL) / 2) * sqrt(1 / a + 1 / b + 1 / c + 1 / d))
  } else c(NA, NA)
  data.frame(case = case, a = a, b = b, c = c, d = d,
             min_expected = min(yates$expected),
             chisq_statistic = unname(yates$statistic), chisq_p = yates$p.value,
             chisq_uncorrected_statistic = unname(plain$statistic),
             chisq_uncorrected_p = plain$p.value,
             fisher_p = f$p.value,
             fisher_estimate = unname(f$estimate),
             fisher_low = f$conf.int[1], fisher_high = f$conf.int[2],
             fisher_tight_estimate = unname(ft$estimate),
             fisher_tight_low = ft$conf.int[1], fisher_tight_high = ft$conf.int[2],
             odds_ratio = or, woolf_low = woolf[1], woolf_high = woolf[2],
             risk_difference = if (n1 > 0 && n2 > 0) a / n1 - c / n2 else NA,
             wald_low = rd[1], wald_high = rd[2],
             newcombe_low = newcombe[1], newcombe_high = newcombe[2])
}

tables <- read_input("tables.csv")
table_rows <- lapply(seq_len(nrow(tables)), function(i) {
  x <- as.numeric(unlist(tables[i, c("a", "b", "c", "d")]))
  table_row(tables$case[i], x[1], x[2], x[3], x[4])
})

# ---- means: t.test --------------------------------------------------------------------------
mean_row <- function(case, x) {
  x <- x[!is.na(x)]
  t <- t.test(x, conf.level = LEVEL)
  data.frame(case = case, n = length(x), mean = mean(x),
             low = t$conf.int[1], high = t$conf.int[2])
}

vectors <- read_input("vectors.csv")
mean_rows <- lapply(seq_len(nrow(vectors)), function(i) {
  mean_row(vectors$case[i], as.numeric(strsplit(vectors$values[i], ";")[[1]]))
})

# ---- the cohorts ----------------------------------------------------------------------------
bench <- read_input("benchmarks.csv")
rate_rows <- list()
bench_rows <- list()

for (cohort in c("seed", "generated")) {
  w <- read_input(sprintf("women_%s.csv", cohort))
  inj <- read_input(sprintf("injections_%s.csv", cohort))
  preg <- read_input(sprintf("pregnancies_%s.csv", cohort))
  cyc <- read_input(sprintf("ivf_cycles_%s.csv", cohort))
  inj$injection_date <- as_date(inj$injection_date)
  preg$conception_date <- as_date(preg$conception_date)
  cyc$start_date <- as_date(cyc$start_date)

  first <- tapply(inj$injection_date, inj$participant_id, min)
  last <- tapply(inj$injection_date, inj$participant_id, max)
  count <- tapply(inj$injection_date, inj$participant_id, length)
  ids <- w$participant_id
  w$first_injection <- as.Date(first[ids], origin = "1970-01-01")
  w$last_injection <- as.Date(last[ids], origin = "1970-01-01")
  w$injections <- as.integer(count[ids])
  w$birth_date <- as_date(w$birth_date)
  w$end_of_followup <- as_date(w$end_of_followup)
  w$age <- completed_years(w$birth_date, w$first_injection)
  w$age_followup <- completed_years(w$birth_date, w$end_of_followup)
  w$followup_years <- as.numeric(w$end_of_followup - w$last_injection) / DAYS_PER_YEAR
  w$pregnant <- ids %in% preg$participant_id
  w$spontaneous <- ids %in% preg$participant_id[preg$mode == "spontaneous"]
  w$ivf_pregnant <- ids %in% preg$participant_id[preg$mode == "ivf"]
  cyc$first <- w$first_injection[match(cyc$participant_id, ids)]
  w$ivf_treated <- ids %in% cyc$participant_id[cyc$start_date >= cyc$first] | w$ivf_pregnant
  w$live_birth <- ids %in% preg$participant_id[preg$outcome == "live_birth"]

  # Months from the most recent injection on or before conception.
  latest <- mapply(function(id, when) {
    d <- inj$injection_date[inj$participant_id == id]
    max(d[d <= when])
  }, preg$participant_id, preg$conception_date)
  preg$months <- as.numeric(preg$conception_date - as.Date(latest, origin = "1970-01-01")) /
    DAYS_PER_MONTH

  means <- list(
    age_mean = w$age, age_followup_mean = w$age_followup,
    followup_years_mean = w$followup_years,
    months_spontaneous_mean = preg$months[preg$mode == "spontaneous"],
    months_ivf_mean = preg$months[preg$mode == "ivf"],
    pregnant_age_mean = w$age[w$pregnant]
  )
  for (v in names(means)) {
    mean_rows[[length(mean_rows) + 1]] <- mean_row(paste(cohort, v, sep = "."), means[[v]])
  }

  factors <- list(
    age = factor(ifelse(w$age < 35, "under_35", "35_or_over"),
                 levels = c("under_35", "35_or_over")),
    menses = factor(w$menses_baseline, levels = c("regular", "irregular")),
    injections = factor(ifelse(w$injections >= 3, "3_plus", as.character(w$injections)),
                        levels = c("1", "2"))
  )
  for (name in names(factors)) {
    tab <- table(factors[[name]], factor(w$pregnant, levels = c(TRUE, FALSE)))
    table_rows[[length(table_rows) + 1]] <-
      table_row(paste(cohort, name, sep = "."), tab[1, 1], tab[1, 2], tab[2, 1], tab[2, 2])
  }

  rates <- list(
    spontaneous_pregnancy = c(sum(w$spontaneous), nrow(w)),
    ivf_pregnancy = c(sum(w$ivf_pregnant & w$ivf_treated), sum(w$ivf_treated)),
    live_birth = c(sum(w$live_birth), nrow(w))
  )
  for (m in names(rates)) {
    r <- rates[[m]]
    rate_rows[[length(rate_rows) + 1]] <- count_row(paste(cohort, m, sep = "."), r[1], r[2], 0.5)
  }
  for (i in seq_len(nrow(bench))) {
    r <- rates[[bench$measure[i]]]
    p0 <- as.numeric(bench$value[i])
    b <- binom.test(r[1], r[2], p = p0)
    bench_rows[[length(bench_rows) + 1]] <- data.frame(
      cohort = cohort, measure = bench$measure[i], id = bench$id[i], value = p0,
      n = r[1], total = r[2], p_value = b$p.value)
  }
}

write_fixture(do.call(rbind, count_rows), "counts.csv")
write_fixture(do.call(rbind, table_rows), "tables.csv")
write_fixture(do.call(rbind, mean_rows), "means.csv")
write_fixture(do.call(rbind, rate_rows), "rates.csv")
write_fixture(do.call(rbind, bench_rows), "benchmarks.csv")
