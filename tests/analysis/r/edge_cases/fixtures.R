# R reference values for the estimators' edge cases (tests/analysis/test_r_edge_cases.py).
#
# Reads tests/analysis/r/edge_cases/inputs/*.csv (written by make_inputs.py) and runs, on each
# hand-made case: survival::survfit (conf.type = "log-log", as follicle) with summary() at
# every time and at fixed times, quantile() for the median and its interval; survdiff;
# fisher.test (R's own, and with uniroot solving to 1e-13); prop.test(correct = FALSE) and
# Newcombe's hybrid score interval by hand; binom.test; glm(family = binomial) with its
# warnings; qnorm, pnorm, pchisq, pf, qt, pt, qgamma and qbeta at the edges. Writes expected/*.csv at 17 significant digits under a first line naming R's
# version and the SHA-256 of this script and common.R.
#
#   .venv/bin/python tests/analysis/r/edge_cases/make_inputs.py
#   Rscript tests/analysis/r/edge_cases/fixtures.R

suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))
header <- fixture_header("survival")
LEVEL <- 0.95

# ---- Kaplan-Meier and log-rank ----------------------------------------------------------------
survival_cases <- read_input("survival.csv")
survival_cases$time <- as.numeric(survival_cases$time)
survival_cases$status <- as.numeric(survival_cases$status)
km_times <- as.numeric(read_input("km_times.csv")$time)

km_rows <- list()
km_at_rows <- list()
median_rows <- list()
survdiff_rows <- list()
for (case in unique(survival_cases$case)) {
  d <- survival_cases[survival_cases$case == case, ]
  fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = "log-log", conf.int = LEVEL)
  s <- summary(fit, censored = TRUE)
  km_rows[[case]] <- data.frame(case = case, time = s$time, n_risk = s$n.risk,
                                n_event = s$n.event, surv = s$surv, lower = s$lower,
                                upper = s$upper)
  at <- summary(fit, times = km_times[km_times <= max(d$time)])
  km_at_rows[[case]] <- data.frame(case = case, time = at$time, n_risk = at$n.risk,
                                   surv = at$surv, lower = at$lower, upper = at$upper)
  q <- quantile(fit, probs = 0.5)
  median_rows[[case]] <- data.frame(case = case, median = unname(q$quantile),
                                    lower = unname(q$lower), upper = unname(q$upper))
  if (length(unique(d$group)) > 1) {
    # survdiff warns (NaN p-value) when no group has an expected event; its own p is not used.
    sd <- suppressWarnings(survdiff(Surv(time, status) ~ group, data = d))
    # print.survdiff's degrees of freedom: the groups with expected events, less one.
    df <- sum(sd$exp > 0) - 1
    p <- if (df > 0) pchisq(sd$chisq, df, lower.tail = FALSE) else NA
    survdiff_rows[[case]] <- data.frame(case = case, chisq = sd$chisq, df = df, p = p)
  }
}
write_fixture(do.call(rbind, km_rows), "km.csv")
write_fixture(do.call(rbind, km_at_rows), "km_at.csv")
write_fixture(do.call(rbind, median_rows), "median.csv")
write_fixture(do.call(rbind, survdiff_rows), "survdiff.csv")

# ---- 2 x 2 tables: Fisher, odds ratios, risk differences --------------------------------------
table_row <- function(case, a, b, c, d) {
  m <- matrix(c(a, c, b, d), 2)  # rows = groups, columns = event, no event
  f <- fisher.test(m, conf.level = LEVEL)  # two-sided, as follicle
  ft <- fisher_tight(m, conf.level = LEVEL)
  n1 <- a + b
  n2 <- c + d
  both <- n1 > 0 && n2 > 0
  intervals <- two_proportion_intervals(a, b, c, d, LEVEL)
  wald <- intervals$wald
  newcombe <- intervals$newcombe
  data.frame(case = case, a = a, b = b, c = c, d = d,
             fisher_p = f$p.value,
             fisher_estimate = unname(f$estimate),
             fisher_low = f$conf.int[1], fisher_high = f$conf.int[2],
             fisher_tight_estimate = unname(ft$estimate),
             fisher_tight_low = ft$conf.int[1], fisher_tight_high = ft$conf.int[2],
             risk_difference = if (both) a / n1 - c / n2 else NA,
             wald_low = wald[1], wald_high = wald[2],
             newcombe_low = newcombe[1], newcombe_high = newcombe[2])
}

tables <- read_input("tables.csv")
write_fixture(do.call(rbind, lapply(seq_len(nrow(tables)), function(i) {
  x <- as.numeric(unlist(tables[i, c("a", "b", "c", "d")]))
  table_row(tables$case[i], x[1], x[2], x[3], x[4])
})), "tables.csv")

# ---- binomial test --------------------------------------------------------------------------
binom_cases <- read_input("binomial.csv")
write_fixture(do.call(rbind, lapply(seq_len(nrow(binom_cases)), function(i) {
  x <- as.numeric(binom_cases$x[i])
  n <- as.numeric(binom_cases$n[i])
  p <- as.numeric(binom_cases$p[i])
  data.frame(case = binom_cases$case[i], x = x, n = n, p0 = p,
             p_value = binom.test(x, n, p = p)$p.value)
})), "binomial.csv")

# ---- logistic regression --------------------------------------------------------------------
# Every case is glm(y ~ x1 + x2 + g, family = binomial) with R's defaults: na.omit, treatment
# contrasts with the first level (alphabetical) as reference. Two fits of each:
#   "default"  glm as a user runs it; `warning` keeps what it warned ("fitted probabilities
#              numerically 0 or 1 occurred" under separation);
#   "ml"       the maximum-likelihood values themselves, as r/regression/fixtures.R: glm's
#              standard errors come from the weights of the IRLS step before the last, some
#              1e-7 (relative) from the maximum at epsilon 1e-8, so the model is fitted to a
#              relative deviance change of 1e-12 and refitted once from its own estimate (an aliased term starting at 0).
# Under quasi-complete separation by level c, "without_separated" is the "ml" fit without
# those women and that level: the limit that R's glm, stopped after a few iterations, only
# approaches.
logistic <- read_input("logistic.csv")
for (column in c("y", "x1", "x2")) logistic[[column]] <- as.numeric(logistic[[column]])
CONTROL <- glm.control(epsilon = 1e-12, maxit = 100)
FORMULA <- y ~ x1 + x2 + g

glm_rows <- function(case, model, data) {
  warned <- character()
  fit <- withCallingHandlers({
    fit <- glm(FORMULA, family = binomial, data = data,
               control = if (model == "default") glm.control() else CONTROL)
    if (model != "default") {
      fit <- glm(FORMULA, family = binomial, data = data, start = ifelse(is.na(coef(fit)), 0, coef(fit)),
                 control = CONTROL)
    }
    fit
  }, warning = function(w) {
    warned <<- c(warned, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  coefs <- coef(fit)
  table <- summary(fit)$coefficients
  se <- z <- p <- setNames(rep(NA_real_, length(coefs)), names(coefs))
  se[rownames(table)] <- table[, 2]
  z[rownames(table)] <- table[, 3]
  p[rownames(table)] <- table[, 4]
  data.frame(case = case, model = model, term = names(coefs), estimate = unname(coefs),
             se = unname(se), z = unname(z), p = unname(p), aic = AIC(fit),
             nobs = nobs(fit), converged = fit$converged,
             warning = if (length(warned)) paste(unique(warned), collapse = " | ") else "")
}

SEPARATED <- c("quasi_separation", "complete_separation", "no_events")
glm_list <- list()
for (case in unique(logistic$case)) {
  data <- logistic[logistic$case == case, ]
  glm_list[[length(glm_list) + 1]] <- glm_rows(case, "default", data)
  if (!case %in% SEPARATED) glm_list[[length(glm_list) + 1]] <- glm_rows(case, "ml", data)
}
quasi <- logistic[logistic$case == "quasi_separation" & logistic$g != "c", ]
glm_list[[length(glm_list) + 1]] <- glm_rows("quasi_separation", "without_separated", quasi)
write_fixture(do.call(rbind, glm_list), "logistic.csv")

# ---- distribution functions -----------------------------------------------------------------
R_FUNCTIONS <- list(
  norm_ppf = function(x, a, b) qnorm(x),
  norm_sf = function(x, a, b) pnorm(x, lower.tail = FALSE),
  chi2_sf = function(x, a, b) pchisq(x, a, lower.tail = FALSE),
  f_sf = function(x, a, b) pf(x, a, b, lower.tail = FALSE),
  t_ppf = function(x, a, b) qt(x, a),
  t_sf = function(x, a, b) pt(x, a, lower.tail = FALSE),
  gamma_ppf = function(x, a, b) qgamma(x, a),
  beta_ppf = function(x, a, b) qbeta(x, a, b)
)
distributions <- read_input("distributions.csv")
for (column in c("x", "a", "b")) distributions[[column]] <- as.numeric(distributions[[column]])
distributions$value <- mapply(function(f, x, a, b) R_FUNCTIONS[[f]](x, a, b),
                              distributions$distribution, distributions$x, distributions$a,
                              distributions$b)
write_fixture(distributions, "distributions.csv")
