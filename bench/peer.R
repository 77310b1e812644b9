# The R peer of `follicle report`: the Part 1 analysis as a statistician would write it.
#
# Usage: Rscript bench/peer.R WORKBOOK_FOLDER [OUT_FOLDER]
#
# Base R + survival + cmprsk, vectorised the way R users write it (aggregate, tapply,
# merge; no loop over women): read the eight CSV files, derive each woman's variables
# (first and last injection, injections, end of follow-up and menses at the end from the
# contacts, age in completed years, pregnancy), then
#   - Table 1: age at first injection and at follow-up, follow-up years (mean, SD, range),
#     injections and baseline menses (n, %), menses at baseline vs at follow-up;
#   - Table 2: pregnancy by age group, baseline menses and injections, each with
#     chisq.test (Yates' correction, as R's default on a 2 x 2 table);
#   - the time to a first pregnancy: Kaplan-Meier (survfit, log-log interval) at 3, 6, 12,
#     24 and 36 months by age group, the log-rank test (survdiff), and the cumulative
#     incidence with menopause competing (cmprsk::cuminc, Gray's test).
# It writes the results as CSV files into OUT_FOLDER (a temporary folder by default), so
# that the work is the same as a report's: reading, deriving, testing, writing. bench/run.py
# runs it beside `follicle report` on the same workbook ("peer" step).

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript bench/peer.R WORKBOOK_FOLDER [OUT_FOLDER]")
folder <- args[1]
out <- if (length(args) >= 2) args[2] else tempfile("peer-")
dir.create(out, showWarnings = FALSE, recursive = TRUE)

read_table <- function(name) {
  read.csv(file.path(folder, paste0(name, ".csv")), colClasses = "character",
           na.strings = "", check.names = FALSE)
}
tables <- c("participants", "injections", "contacts", "conditions", "ivf_cycles",
            "pregnancies", "infants", "infant_conditions")
wb <- setNames(lapply(tables, read_table), tables)

DAYS_PER_YEAR <- 365.25
DAYS_PER_MONTH <- 365.25 / 12

# Completed years (anniversary rule).
completed_years <- function(birth, end) {
  b <- as.POSIXlt(birth)
  e <- as.POSIXlt(end)
  (e$year - b$year) - ((e$mon < b$mon) | (e$mon == b$mon & e$mday < b$mday))
}

# -- per-woman variables -----------------------------------------------------------------
inj <- wb$injections
inj$injection_date <- as.Date(inj$injection_date)
by_woman <- split(inj$injection_date, inj$participant_id)
treated <- data.frame(
  participant_id = names(by_woman),
  first_injection = as.Date(vapply(by_woman, min, 0), origin = "1970-01-01"),
  last_injection = as.Date(vapply(by_woman, max, 0), origin = "1970-01-01"),
  injections = lengths(by_woman)
)

con <- wb$contacts
con$contact_date <- as.Date(con$contact_date)
con <- con[order(con$participant_id, con$contact_date), ]
end <- tapply(con$contact_date, con$participant_id, max)
recorded <- con[!is.na(con$menses), ]
latest <- tapply(recorded$menses, recorded$participant_id, function(x) x[length(x)])
meno <- con[!is.na(con$menses) & con$menses == "menopause", ]
menopause <- tapply(meno$contact_date, meno$participant_id, min)

w <- merge(wb$participants, treated, by = "participant_id")
w$birth_date <- as.Date(w$birth_date)
w$end_of_followup <- as.Date(end[w$participant_id], origin = "1970-01-01")
w$menses_followup <- unname(latest[w$participant_id])
w$menopause_date <- as.Date(unname(menopause[w$participant_id]), origin = "1970-01-01")
w$age <- completed_years(w$birth_date, w$first_injection)
w$age_followup <- completed_years(w$birth_date, w$end_of_followup)
w$followup_years <- as.numeric(w$end_of_followup - w$last_injection) / DAYS_PER_YEAR
w$age_group <- factor(ifelse(w$age < 35, "<35", ">=35"), levels = c("<35", ">=35"))
w$injection_group <- factor(ifelse(w$injections >= 3, "3+", as.character(w$injections)),
                            levels = c("1", "2", "3+"))

preg <- wb$pregnancies
preg$conception_date <- as.Date(preg$conception_date)
preg <- merge(preg, treated[, c("participant_id", "first_injection")], by = "participant_id")
preg <- preg[preg$conception_date >= preg$first_injection, ]
first_conception <- tapply(preg$conception_date, preg$participant_id, min)
w$first_conception <- as.Date(unname(first_conception[w$participant_id]), origin = "1970-01-01")
w$pregnant <- !is.na(w$first_conception)

# -- Table 1 -----------------------------------------------------------------------------
describe <- function(x) {
  x <- x[!is.na(x)]
  c(n = length(x), mean = mean(x), sd = sd(x), median = median(x), min = min(x), max = max(x))
}
table1 <- rbind(age = describe(w$age), age_followup = describe(w$age_followup),
                followup_years = describe(w$followup_years))
write.csv(table1, file.path(out, "table1_continuous.csv"))
counts <- function(x) {
  n <- table(x, useNA = "ifany")
  data.frame(level = names(n), n = as.vector(n), pct = 100 * as.vector(n) / sum(n))
}
write.csv(rbind(cbind(variable = "injections", counts(w$injection_group)),
                cbind(variable = "menses_baseline", counts(w$menses_baseline))),
          file.path(out, "table1_categorical.csv"), row.names = FALSE)
write.csv(as.data.frame(table(baseline = w$menses_baseline, followup = w$menses_followup)),
          file.path(out, "menstrual_transitions.csv"), row.names = FALSE)

# -- Table 2: pregnancy by factor, chi-squared tests -------------------------------------
table2 <- do.call(rbind, lapply(c("age_group", "menses_baseline", "injection_group"),
  function(column) {
    tab <- table(w[[column]], factor(w$pregnant, levels = c(TRUE, FALSE)))
    tab <- tab[rowSums(tab) > 0, , drop = FALSE]
    test <- suppressWarnings(chisq.test(tab))
    data.frame(factor = column, level = rownames(tab), pregnant = tab[, 1],
               n = rowSums(tab), pct = 100 * tab[, 1] / rowSums(tab),
               statistic = unname(test$statistic), df = unname(test$parameter),
               p = test$p.value)
  }))
write.csv(table2, file.path(out, "table2.csv"), row.names = FALSE)

# -- time to a first pregnancy -----------------------------------------------------------
# A first pregnancy, unless menopause came first (competing), else censored at the end.
pregnant_first <- w$pregnant & (is.na(w$menopause_date) | w$first_conception <= w$menopause_date)
first_event <- ifelse(pregnant_first, 1L, ifelse(!is.na(w$menopause_date), 2L, 0L))
when <- as.Date(ifelse(first_event == 1L, w$first_conception,
                       ifelse(first_event == 2L, w$menopause_date, w$end_of_followup)),
                origin = "1970-01-01")
w$months <- as.numeric(when - w$first_injection) / DAYS_PER_MONTH
w$status <- first_event
analysed <- w[!is.na(w$months) & w$months >= 0, ]

fit <- survfit(Surv(months, status == 1) ~ age_group, data = analysed, conf.type = "log-log")
at <- summary(fit, times = c(3, 6, 12, 24, 36), extend = TRUE)
write.csv(data.frame(group = at$strata, months = at$time, at_risk = at$n.risk,
                     incidence = 100 * (1 - at$surv), low = 100 * (1 - at$upper),
                     high = 100 * (1 - at$lower)),
          file.path(out, "kaplan_meier.csv"), row.names = FALSE)
logrank <- survdiff(Surv(months, status == 1) ~ age_group, data = analysed)
write.csv(data.frame(chisq = logrank$chisq, df = length(logrank$n) - 1,
                     p = pchisq(logrank$chisq, length(logrank$n) - 1, lower.tail = FALSE)),
          file.path(out, "logrank.csv"), row.names = FALSE)
ci <- cuminc(analysed$months, analysed$status, analysed$age_group, cencode = 0)
write.csv(as.data.frame(ci$Tests), file.path(out, "gray_test.csv"))
incidence <- timepoints(ci, c(3, 6, 12, 24, 36))
write.csv(as.data.frame(incidence$est), file.path(out, "cumulative_incidence.csv"))
