# R reference values for follicle's ICMART rates and safety bounds
# (tests/analysis/test_r_safety.py).
#
# Reads tests/analysis/r/safety/inputs/*.csv (raw workbook rows, written by make_inputs.py),
# derives on its own the first injection, the end of follow-up, woman- and child-years,
# live-birth deliveries, infants born alive and every condition count, and writes
# tests/analysis/r/safety/expected/*.csv at full precision (format(x, digits = 17)) with
# binom.test, prop.test(correct = FALSE) and poisson.test intervals. The first line of each
# file names R's version and the SHA-256 of this script and common.R. Base R only:
#
#   .venv/bin/python tests/analysis/r/safety/make_inputs.py
#   Rscript tests/analysis/r/safety/fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))

DAYS_PER_YEAR <- 365.25
LEVEL <- 0.95

# Intervals -----------------------------------------------------------------------------

cp <- function(x, n, level = LEVEL) {
  if (n == 0) return(c(NA_real_, NA_real_))
  as.numeric(binom.test(x, n, conf.level = level)$conf.int)
}
upper <- function(x, n, level = LEVEL) {
  if (n == 0) return(NA_real_)
  binom.test(x, n, alternative = "less", conf.level = level)$conf.int[2]
}
wilson <- function(x, n, level = LEVEL) {
  if (n == 0 || x > n) return(c(NA_real_, NA_real_))
  # prop.test warns "Chi-squared approximation may be incorrect" for small counts; the
  # interval is the Wilson score interval all the same.
  suppressWarnings(as.numeric(prop.test(x, n, correct = FALSE, conf.level = level)$conf.int))
}
poisson <- function(x, time, level = LEVEL) {
  if (is.na(time) || time <= 0) return(c(NA_real_, NA_real_))
  as.numeric(poisson.test(x, time, conf.level = level)$conf.int)
}

binom_cases <- read_input("binom_cases.csv")
rows <- lapply(seq_len(nrow(binom_cases)), function(i) {
  x <- as.integer(binom_cases$x[i]); n <- as.integer(binom_cases$n[i])
  level <- as.numeric(binom_cases$level[i])
  ci <- cp(x, n, level); w <- wilson(x, n, level)
  data.frame(case = binom_cases$case[i], x = x, n = n, level = level,
             cp_low = ci[1], cp_high = ci[2], upper = upper(x, n, level),
             wilson_low = w[1], wilson_high = w[2])
})
write_fixture(do.call(rbind, rows), "binom_cases.csv")

poisson_cases <- read_input("poisson_cases.csv")
rows <- lapply(seq_len(nrow(poisson_cases)), function(i) {
  x <- as.integer(poisson_cases$x[i]); time <- as.numeric(poisson_cases$time[i])
  level <- as.numeric(poisson_cases$level[i])
  ci <- poisson(x, time, level)
  data.frame(case = poisson_cases$case[i], x = x, time = time, level = level,
             low = ci[1], high = ci[2])
})
write_fixture(do.call(rbind, rows), "poisson_cases.csv")

# Cohorts -------------------------------------------------------------------------------

vocabulary <- read_input("vocabulary.csv")
AUTOIMMUNE <- c("systemic_lupus_erythematosus", "rheumatoid_arthritis", "autoimmune_other")

derive <- function(cohort) {
  inj <- read_input(sprintf("injections_%s.csv", cohort))
  contacts <- read_input(sprintf("contacts_%s.csv", cohort))
  preg <- read_input(sprintf("pregnancies_%s.csv", cohort))
  infants <- read_input(sprintf("infants_%s.csv", cohort))
  cond <- read_input(sprintf("conditions_%s.csv", cohort))
  inf_cond <- read_input(sprintf("infant_conditions_%s.csv", cohort))

  inj$injection_date <- as_date(inj$injection_date)
  first <- tapply(inj$injection_date, inj$participant_id, min)
  women <- data.frame(participant_id = names(first),
                      first = as.Date(as.numeric(first), origin = "1970-01-01"))
  contacts$contact_date <- as_date(contacts$contact_date)
  end <- tapply(contacts$contact_date, contacts$participant_id, max)
  women$end <- as.Date(as.numeric(end[women$participant_id]), origin = "1970-01-01")
  n_women <- nrow(women)
  woman_years <- sum(pmax(as.numeric(women$end - women$first), 0), na.rm = TRUE) / DAYS_PER_YEAR

  # Pregnancies on or after the first injection.
  preg$conception_date <- as_date(preg$conception_date)
  preg$outcome_date <- as_date(preg$outcome_date)
  preg$first <- women$first[match(preg$participant_id, women$participant_id)]
  preg <- preg[!is.na(preg$first) & preg$conception_date >= preg$first, ]
  live <- preg$outcome == "live_birth"
  fetuses <- ifelse(is.na(preg$fetuses), 1L, as.integer(preg$fetuses))
  recorded <- as.integer(table(factor(infants$pregnancy_id, levels = preg$pregnancy_id)))
  infants_alive <- ifelse(live, ifelse(recorded > 0, recorded, fetuses), 0L)
  known <- !(preg$outcome %in% c("ongoing", "unknown"))

  deliveries <- sum(live)
  n_infants <- sum(infants_alive)
  women_lb <- length(unique(preg$participant_id[live]))
  miscarriages <- sum(preg$outcome == "miscarriage")
  icmart <- data.frame(
    name = c("live_birth_delivery_rate", "live_birth_deliveries_per_pregnancy",
             "miscarriage_per_pregnancy", "cumulative_live_birth_rate",
             "published_live_birth_rate_per_woman", "published_live_birth_rate_per_pregnancy"),
    n = c(deliveries, deliveries, miscarriages, women_lb, n_infants, n_infants),
    total = c(n_women, sum(known), sum(known), n_women, n_women, nrow(preg))
  )
  ci <- t(mapply(cp, icmart$n, icmart$total)); w <- t(mapply(wilson, icmart$n, icmart$total))
  icmart$cp_low <- ci[, 1]; icmart$cp_high <- ci[, 2]
  icmart$wilson_low <- w[, 1]; icmart$wilson_high <- w[, 2]
  counts <- data.frame(
    name = c("live_birth_deliveries", "infants_born_alive", "women_with_live_birth_delivery",
             "women", "pregnancies"),
    n = c(deliveries, n_infants, women_lb, n_women, nrow(preg)), total = NA,
    cp_low = NA, cp_high = NA, wilson_low = NA, wilson_high = NA
  )
  write_fixture(rbind(icmart, counts), sprintf("icmart_%s.csv", cohort))

  # Maternal: conditions on or after the first injection (or undated), women counted once.
  cond$diagnosis_date <- as_date(cond$diagnosis_date)
  cond$first <- women$first[match(cond$participant_id, women$participant_id)]
  cond <- cond[!is.na(cond$first) &
               (is.na(cond$diagnosis_date) | cond$diagnosis_date >= cond$first), ]
  women_with <- function(ids) length(unique(ids))
  maternal_keys <- c(vocabulary$condition[vocabulary$section == "maternal"],
                     "autoimmune_any", "ectopic_pregnancy")
  maternal_n <- c(
    vapply(vocabulary$condition[vocabulary$section == "maternal"],
           function(k) women_with(cond$participant_id[cond$condition == k]), 0L),
    women_with(cond$participant_id[cond$condition %in% AUTOIMMUNE]),
    women_with(preg$participant_id[preg$outcome == "ectopic"])
  )
  maternal <- data.frame(section = "maternal", key = maternal_keys, n = maternal_n,
                         total = n_women, person_years = woman_years)

  pregnancy <- data.frame(section = "pregnancy", key = c("miscarriage", "stillbirth"),
                          n = c(miscarriages, sum(preg$outcome == "stillbirth")),
                          total = nrow(preg), person_years = NA)

  # Infants of the live births: recorded ones, and stand-ins for unrecorded ones.
  infants <- infants[infants$pregnancy_id %in% preg$pregnancy_id[live], ]
  infants$birth_date <- as_date(infants$birth_date)
  infants$death_date <- as_date(infants$death_date)
  mother_end <- function(pregnancy_id) {
    women$end[match(preg$participant_id[match(pregnancy_id, preg$pregnancy_id)],
                    women$participant_id)]
  }
  stop_at <- pmin(infants$death_date, mother_end(infants$pregnancy_id), na.rm = TRUE)
  recorded_years <- pmax(as.numeric(stop_at - infants$birth_date), 0) / DAYS_PER_YEAR
  missing <- live & recorded == 0
  missing_years <- pmax(as.numeric(mother_end(preg$pregnancy_id[missing]) -
                                     preg$outcome_date[missing]), 0) / DAYS_PER_YEAR
  child_years <- sum(recorded_years, na.rm = TRUE) +
    sum(infants_alive[missing] * missing_years, na.rm = TRUE)
  died <- infants$infant_id[!is.na(infants$death_date) &
                              as.numeric(infants$death_date - infants$birth_date) <= 365]
  inf_cond <- inf_cond[inf_cond$infant_id %in% infants$infant_id, ]
  infant_vocab <- vocabulary$condition[vocabulary$section == "infant"]
  infant <- data.frame(
    section = "infant", key = c("death_first_year", infant_vocab),
    n = c(length(unique(died)),
          vapply(infant_vocab,
                 function(k) length(unique(inf_cond$infant_id[inf_cond$condition == k])), 0L)),
    total = n_infants, person_years = child_years
  )

  safety <- rbind(maternal, pregnancy, infant)
  ci <- t(mapply(cp, safety$n, safety$total))
  safety$cp_low <- ci[, 1]; safety$cp_high <- ci[, 2]
  safety$upper <- mapply(upper, safety$n, safety$total)
  safety$rate <- safety$n / safety$person_years
  pci <- t(mapply(poisson, safety$n, safety$person_years))
  safety$rate_low <- pci[, 1]; safety$rate_high <- pci[, 2]
  write_fixture(safety, sprintf("safety_%s.csv", cohort))
}

for (cohort in c("seed", "generated")) derive(cohort)
