# R reference values for follicle's time to first pregnancy (tests/analysis/test_r_survival.py).
#
# Reads tests/analysis/r/survival/inputs/*.csv (written by make_inputs.py): the raw rows of two
# cohorts and hand-made (time, status, group) cases. For the cohorts R derives each woman's
# time and status from the dates itself, then runs survival::survfit (conf.type = "log-log"),
# survival::survdiff and cmprsk::cuminc / timepoints. Writes expected/*.csv at full precision
# (format(x, digits = 17)) under a first line naming R's version and the SHA-256 of this script and common.R.
#
#   .venv/bin/python tests/analysis/r/survival/make_inputs.py
#   Rscript tests/analysis/r/survival/fixtures.R

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))
header <- fixture_header(c("survival", "cmprsk"))

DAYS_PER_MONTH <- 365.25 / 12
MONTHS <- c(3, 6, 12, 24, 36)

per_woman <- function(frame, column, fun, name) {
  if (nrow(frame) == 0) return(data.frame(participant_id = character(0)))
  out <- aggregate(frame[[column]], list(participant_id = frame$participant_id), fun)
  out$x <- as.Date(out$x, origin = "1970-01-01")
  names(out)[2] <- name
  out
}

# Each treated woman's time (days and months from the first injection) and status:
# 1 first pregnancy, 2 menopause first (the first contact reporting it), 0 censored at the
# latest contact. A conception on the day menopause is reported counts as the pregnancy.
derive <- function(cohort) {
  w <- read_input(sprintf("participants_%s.csv", cohort))
  inj <- read_input(sprintf("injections_%s.csv", cohort))
  con <- read_input(sprintf("contacts_%s.csv", cohort))
  preg <- read_input(sprintf("pregnancies_%s.csv", cohort))
  inj$injection_date <- as_date(inj$injection_date)
  con$contact_date <- as_date(con$contact_date)
  preg$conception_date <- as_date(preg$conception_date)
  first <- per_woman(inj, "injection_date", min, "first_injection")
  w <- merge(w, first)
  w$birth_date <- as_date(w$birth_date)
  w <- merge(w, per_woman(con, "contact_date", max, "end"), all.x = TRUE)
  meno <- con[!is.na(con$menses) & con$menses == "menopause", ]
  w <- merge(w, per_woman(meno, "contact_date", min, "menopause"), all.x = TRUE)
  preg <- merge(preg, first)
  preg <- preg[preg$conception_date >= preg$first_injection, ]
  w <- merge(w, per_woman(preg, "conception_date", min, "conception"), all.x = TRUE)
  if (is.null(w$menopause)) w$menopause <- as.Date(NA)
  if (is.null(w$conception)) w$conception <- as.Date(NA)
  w <- w[order(w$participant_id), ]
  w$age <- completed_years(w$birth_date, w$first_injection)
  w$age_group <- ifelse(w$age < 35, "under_35", "35_or_over")
  preg_first <- !is.na(w$conception) & (is.na(w$menopause) | w$conception <= w$menopause)
  w$status <- ifelse(preg_first, 1, ifelse(!is.na(w$menopause), 2, ifelse(!is.na(w$end), 0, NA)))
  when <- as.Date(ifelse(preg_first, w$conception, ifelse(!is.na(w$menopause), w$menopause, w$end)),
                  origin = "1970-01-01")
  w$days <- as.numeric(when - w$first_injection)
  w$excluded <- ifelse(is.na(w$status), "no_followup", ifelse(w$days < 0, "before_injection", ""))
  w$status[w$excluded != ""] <- NA
  w$months <- w$days / DAYS_PER_MONTH
  w
}

km_rows <- function(source, group, time, status, at) {
  fit <- survfit(Surv(time, status == 1) ~ 1, conf.type = "log-log")
  s <- summary(fit, times = at[at <= max(time)])
  data.frame(source = source, group = group, time = s$time, n_risk = s$n.risk,
             surv = s$surv, lower = s$lower, upper = s$upper)
}

cuminc_rows <- function(source, groups, time, status, group, at) {
  fit <- if (is.null(group)) cuminc(time, status, cencode = 0) else
    cuminc(time, status, group, cencode = 0)
  tp <- timepoints(fit, at)
  rows <- list()
  for (g in groups) {
    key <- if (is.null(group)) "1 1" else paste(g, "1")
    rows[[g]] <- data.frame(source = source, group = if (is.null(group)) "all" else g,
                            time = at, est = tp$est[key, ], var = tp$var[key, ])
  }
  list(rows = do.call(rbind, rows), tests = fit$Tests)
}

survdiff_row <- function(source, time, status, group) {
  d <- survdiff(Surv(time, status == 1) ~ group)
  df <- length(d$n) - 1
  data.frame(source = source, chisq = d$chisq, df = df,
             p = pchisq(d$chisq, df, lower.tail = FALSE))
}

gray_row <- function(source, tests) {
  data.frame(source = source, stat = tests["1", "stat"], p = tests["1", "pv"],
             df = tests["1", "df"])
}

followup_row <- function(source, time, status) {
  fit <- survfit(Surv(time, status == 0) ~ 1)
  data.frame(source = source, median = unname(quantile(fit, 0.5)$quantile))
}

km <- list(); ci <- list(); sd_rows <- list(); gray <- list(); fu <- list()

analyse <- function(source, time, status, group, levels, at) {
  km[[length(km) + 1]] <<- km_rows(source, "all", time, status, at)
  for (g in levels) {
    chosen <- group == g
    km[[length(km) + 1]] <<- km_rows(source, g, time[chosen], status[chosen], at)
  }
  ci[[length(ci) + 1]] <<- cuminc_rows(source, "all", time, status, NULL, at)$rows
  by_group <- cuminc_rows(source, levels, time, status, group, at)
  ci[[length(ci) + 1]] <<- by_group$rows
  gray[[length(gray) + 1]] <<- gray_row(source, by_group$tests)
  sd_rows[[length(sd_rows) + 1]] <<- survdiff_row(source, time, status, group)
  fu[[length(fu) + 1]] <<- followup_row(source, time, status)
}

for (cohort in c("seed", "generated", "edges")) {
  w <- derive(cohort)
  write_fixture(w[, c("participant_id", "age_group", "days", "status", "excluded")],
                sprintf("derived_%s.csv", cohort))
  if (cohort == "edges") next  # hand-made derivation cases only
  a <- w[w$excluded == "", ]
  analyse(cohort, a$months, a$status, a$age_group, c("under_35", "35_or_over"), MONTHS)
}

cases <- read.csv(file.path(inputs, "cases.csv"))
case_times <- read.csv(file.path(inputs, "case_times.csv"))$time
for (name in unique(cases$case)) {
  d <- cases[cases$case == name, ]
  analyse(name, d$time, d$status, d$group, sort(unique(d$group)), case_times)
}

write_fixture(do.call(rbind, km), "km.csv")
write_fixture(do.call(rbind, ci), "cuminc.csv")
write_fixture(do.call(rbind, sd_rows), "survdiff.csv")
write_fixture(do.call(rbind, gray), "gray.csv")
write_fixture(do.call(rbind, fu), "followup.csv")
