# R reference values for follicle's review agreement (tests/analysis/test_r_adjudication.py).
#
# Reads tests/analysis/r/adjudication/inputs/*.csv (written by make_inputs.py): the reported
# events of two cohorts with a simulated review, and hand-made pairs of verdicts. For each
# event R keeps the judgments of its current recorded value, takes the first two reviews
# (by judged_on, then judgment_id), decides each event's status, and computes per event type
# and overall: percent agreement, Cohen's kappa on the three verdicts and the large-sample
# standard error of Fleiss, Cohen & Everitt (1969) with the Wald interval
# kappa +- qnorm(0.975) * SE. Base R has no kappa, so the formula is written out below
# (psych::cohen.kappa computes the same). Writes expected/*.csv at full precision
# (format(x, digits = 17)); the first line names R's version and the SHA-256 of this script and common.R.
#
#   .venv/bin/python tests/analysis/r/adjudication/make_inputs.py
#   Rscript tests/analysis/r/adjudication/fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))

VERDICTS <- c("confirm", "reclassify", "reject")
LEVEL <- 0.95

# Cohen's kappa with the Fleiss, Cohen & Everitt (1969) large-sample variance, by hand.
kappa_fce <- function(first, second, level = LEVEL) {
  n <- length(first)
  if (n == 0) {
    return(c(n = 0, agree = 0, percent = NA, kappa = NA, se = NA, low = NA, high = NA))
  }
  tab <- table(factor(first, levels = VERDICTS), factor(second, levels = VERDICTS))
  p <- unclass(tab) / n
  pr <- rowSums(p)
  pc <- colSums(p)
  po <- sum(diag(p))
  pe <- sum(pr * pc)
  if (abs(pe - 1) < 1e-12) {
    return(c(n = n, agree = sum(diag(tab)), percent = po, kappa = NA, se = NA, low = NA,
             high = NA))
  }
  k <- (po - pe) / (1 - pe)
  diag_term <- sum(diag(p) * (1 - (pr + pc) * (1 - k))^2)
  off <- 0
  for (i in seq_along(VERDICTS)) for (j in seq_along(VERDICTS)) {
    if (i != j) off <- off + p[i, j] * (pc[i] + pr[j])^2
  }
  v <- (diag_term + (1 - k)^2 * off - (k - pe * (1 - k))^2) / (n * (1 - pe)^2)
  se <- sqrt(max(v, 0))
  z <- qnorm(1 - (1 - level) / 2)
  c(n = n, agree = sum(diag(tab)), percent = po, kappa = k, se = se, low = k - z * se,
    high = k + z * se)
}

# Hand-made pairs ---------------------------------------------------------------------

pairs <- read_input("pairs.csv")
rows <- lapply(unique(pairs$case), function(case) {
  part <- pairs[pairs$case == case, ]
  est <- kappa_fce(part$first, part$second)
  data.frame(case = case, t(est))
})
write_fixture(do.call(rbind, rows), "pairs.csv", na = "")

# The simulated review of each cohort ---------------------------------------------------

TYPES <- c("condition", "pregnancy", "infant", "infant_condition", "death")

for (cohort in c("seed", "generated")) {
  events <- read_input(sprintf("events_%s.csv", cohort))
  judgments <- read_input(sprintf("judgments_%s.csv", cohort))
  judgments$corrected_value[is.na(judgments$corrected_value)] <- ""
  ev_id <- paste(events$event_type, events$event_key, events$recorded_value, sep = "\r")
  j_id <- paste(judgments$event_type, judgments$event_key, judgments$recorded_value, sep = "\r")
  current <- judgments[j_id %in% ev_id, ]
  current <- current[order(current$judged_on, current$judgment_id), ]
  current$event <- paste(current$event_type, current$event_key, sep = "\r")
  reviews <- current[current$stage == "review", ]
  decisions <- current[current$stage == "decision", ]
  event <- paste(events$event_type, events$event_key, sep = "\r")

  first <- reviews[!duplicated(reviews$event), ]
  rest <- reviews[duplicated(reviews$event), ]
  second <- rest[!duplicated(rest$event), ]
  last_decision <- decisions[!duplicated(decisions$event, fromLast = TRUE), ]

  v1 <- first$verdict[match(event, first$event)]
  c1 <- first$corrected_value[match(event, first$event)]
  v2 <- second$verdict[match(event, second$event)]
  c2 <- second$corrected_value[match(event, second$event)]
  vd <- last_decision$verdict[match(event, last_decision$event)]
  agree <- !is.na(v2) & v1 == v2 & (v1 != "reclassify" | c1 == c2)
  status <- ifelse(is.na(v1), "to_review",
            ifelse(is.na(v2), "one_judgment",
            ifelse(agree, "settled",
            ifelse(!is.na(vd), "decided", "disputed"))))
  final <- ifelse(status == "settled", v1, ifelse(status == "decided", vd, NA))

  rows <- lapply(c(TYPES, "all"), function(kind) {
    keep <- if (kind == "all") rep(TRUE, nrow(events)) else events$event_type == kind
    paired <- keep & !is.na(v2)
    est <- kappa_fce(v1[paired], v2[paired])
    data.frame(
      event_type = kind,
      events = sum(keep),
      two_judgments = sum(paired),
      settled = sum(keep & status == "settled"),
      decided = sum(keep & status == "decided"),
      awaiting = sum(keep & !(status %in% c("settled", "decided"))),
      confirmed = sum(keep & final %in% "confirm"),
      reclassified = sum(keep & final %in% "reclassify"),
      rejected = sum(keep & final %in% "reject"),
      percent_agreement = 100 * est[["percent"]],
      kappa = est[["kappa"]],
      kappa_low = est[["low"]],
      kappa_high = est[["high"]],
      kappa_se = est[["se"]]
    )
  })
  write_fixture(do.call(rbind, rows), sprintf("review_%s.csv", cohort), na = "")
}
