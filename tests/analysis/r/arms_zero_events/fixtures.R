# R reference values for an arm without a pregnancy (tests/analysis/arms/test_r_arms_zero_events.py).
#
# Reads inputs/arms.csv (make_inputs.py): 60 analysed women, arm, months, status (0 censored,
# 1 pregnancy, 2 menopause) and five covariates; PRP has no pregnancy. Fits the models of
# the comparison of arms as fixtures.R of arms/ does: coxph (Efron), finegray + coxph with
# cluster(id), glm propensity score with stabilized ATE weights and weighted
# coxph(robust = TRUE). For each model it writes the pregnancies of each arm in the
# model's women, MenSC's coefficient and standard error (estimable), PRP's coefficient
# where Newton-Raphson stopped and whether R warned that it did not converge or may be
# infinite (or dropped it as NA); for the crude cause-specific model, the log partial
# likelihood with PRP's coefficient fixed at -10 and at -30 (MenSC's at its estimate),
# which keeps rising: the likelihood has no maximum. Writes expected/values.csv.
#
#   .venv/bin/python tests/analysis/r/arms_zero_events/make_inputs.py
#   Rscript tests/analysis/r/arms_zero_events/fixtures.R

suppressPackageStartupMessages({
  library(survival)
})

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))
header <- fixture_header("survival")

d <- read.csv(file.path(here, "inputs", "arms.csv"), na.strings = "")
d$arm <- relevel(factor(d$arm), ref = "control")
covs <- c("age", "amh", "afc", "menses_regular", "prior_ivf_cycles")
cc <- d[complete.cases(d[, covs]), ]
ctl <- coxph.control(eps = 1e-12, iter.max = 100)
out <- list()
put <- function(name, value) out[[name]] <<- unname(value)

# A fit and whether R said its coefficients may be infinite or did not converge.
fit_flagged <- function(expr) {
  flagged <- FALSE
  f <- withCallingHandlers(expr, warning = function(w) {
    if (grepl("infinite|converge", conditionMessage(w))) flagged <<- TRUE
    invokeRestart("muffleWarning")
  })
  list(fit = f, flagged = flagged)
}

adj <- paste("arm +", paste(covs, collapse = " + "))
d$id <- seq_len(nrow(d)); cc$id <- seq_len(nrow(cc))
d$st <- factor(d$status, 0:2, c("censored", "pregnancy", "menopause"))
cc$st <- factor(cc$status, 0:2, c("censored", "pregnancy", "menopause"))
fg_all <- finegray(Surv(months, st) ~ ., data = d, etype = "pregnancy")
fg_cc <- finegray(Surv(months, st) ~ ., data = cc, etype = "pregnancy")
fits <- list(
  cs_crude = fit_flagged(coxph(Surv(months, status == 1) ~ arm, data = d, control = ctl)),
  cs_adjusted = fit_flagged(coxph(as.formula(paste("Surv(months, status == 1) ~", adj)),
                                  data = cc, control = ctl)),
  fg_crude = fit_flagged(coxph(Surv(fgstart, fgstop, fgstatus) ~ arm + cluster(id),
                               weights = fgwt, data = fg_all, control = ctl)),
  fg_adjusted = fit_flagged(coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", adj,
                                                   "+ cluster(id)")),
                                  weights = fgwt, data = fg_cc, control = ctl))
)
for (m in names(fits)) {
  f <- fits[[m]]$fit
  women <- if (grepl("crude", m)) d else cc
  for (a in c("control", "MenSC", "PRP")) put(sprintf("%s.events.%s", m, tolower(a)), sum(women$status[women$arm == a] == 1))
  put(sprintf("mensc.%s.coef", m), coef(f)["armMenSC"])
  put(sprintf("mensc.%s.se", m), sqrt(diag(vcov(f)))["armMenSC"])
  put(sprintf("prp.%s.coef", m), coef(f)["armPRP"])
  put(sprintf("prp.%s.flagged", m), as.numeric(fits[[m]]$flagged || is.na(coef(f)["armPRP"])))
}

# The likelihood of the crude cause-specific model keeps rising as PRP's coefficient falls.
b <- coef(fits$cs_crude$fit)["armMenSC"]
for (at in c(10, 30)) {
  f <- coxph(Surv(months, status == 1) ~ arm, data = d, init = c(b, -at),
             control = coxph.control(iter.max = 0))
  put(sprintf("prp.cs_crude.loglik_at_minus_%d", at), f$loglik[2])
}

# Propensity-weighted Cox of each arm against control (ATE), complete cases.
for (a in c("MenSC", "PRP")) {
  p <- cc[cc$arm %in% c(a, "control"), ]
  p$treated <- as.numeric(p$arm == a)
  ps <- fitted(glm(as.formula(paste("treated ~", paste(covs, collapse = " + "))),
                   family = binomial, data = p,
                   control = glm.control(epsilon = 1e-14, maxit = 100)))
  share <- mean(p$treated)
  p$w <- ifelse(p$treated == 1, share / ps, (1 - share) / (1 - ps))
  r <- fit_flagged(coxph(Surv(months, status == 1) ~ treated, data = p, weights = w,
                         robust = TRUE, control = ctl))
  k <- tolower(a)
  put(sprintf("weighted.events.%s", k), sum(p$status[p$treated == 1] == 1))
  put(sprintf("%s.weighted.coef", k), coef(r$fit))
  put(sprintf("%s.weighted.se", k), sqrt(r$fit$var[1, 1]))
  put(sprintf("%s.weighted.flagged", k), as.numeric(r$flagged || is.na(coef(r$fit))))
}

write_fixture(data.frame(name = names(out), value = unlist(out)), "values.csv")
