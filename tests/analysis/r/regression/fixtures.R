# R reference values for follicle's logistic regression of pregnancy
# (tests/analysis/test_r_regression.py).
#
# Reads inputs/*.csv (written by make_inputs.py): raw participants, injections and
# pregnancies. R derives every model variable itself — age in completed years at the first
# injection, number of injections, pregnant (a conception on or after the first injection),
# which markers are recorded for >= 80 % of the treated women, the complete cases — builds
# the design from the raw columns with factor() (reference levels: regular menses, one
# injection) and fits glm(family = binomial): the adjusted model and each covariate alone on
# the same women. glm's standard errors come from the weights of the IRLS step before the
# last, which can leave them some 1e-7 (relative) from their value at the maximum; so each
# model is fitted to a relative deviance change of 1e-12 and then refitted once from its own
# estimate (start = coef(fit)), which puts the weights, and the standard errors, at the
# maximum: the fixtures hold the maximum-likelihood values themselves. Writes
# expected/*.csv at 17 significant digits; the first line of each names R's version and
# the SHA-256 of this script and common.R. Base R only (stats). Run from anywhere:
#
#   .venv/bin/python tests/analysis/r/regression/make_inputs.py
#   Rscript tests/analysis/r/regression/fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))

CASES <- c("seed", "generated", "generated_markers")
MARKER_MIN_FRACTION <- 0.8
CONTROL <- glm.control(epsilon = 1e-12, maxit = 100)

fit_logistic <- function(formula, data) {
  first <- glm(formula, family = binomial, data = data, control = CONTROL)
  glm(formula, family = binomial, data = data, start = coef(first), control = CONTROL)
}
MENSES_LEVELS <- c("regular", "irregular", "amenorrhea")
# R's coefficient names -> follicle's term names.
TERMS <- c("(Intercept)" = "intercept", "age" = "age_per_year",
           "mensesirregular" = "menses_irregular", "mensesamenorrhea" = "menses_amenorrhea",
           "injections2_plus" = "injections_2_plus", "amh_ng_ml" = "amh_per_ng_ml",
           "afc" = "afc_per_follicle")
COVARIATES <- c(age = "age", menses = "menses", injections = "injections",
                amh_ng_ml = "amh_ng_ml", afc = "afc")

derive <- function(case) {
  p <- read_input(sprintf("participants_%s.csv", case))
  inj <- read_input(sprintf("injections_%s.csv", case))
  preg <- read_input(sprintf("pregnancies_%s.csv", case))
  inj$injection_date <- as.Date(inj$injection_date)
  preg$conception_date <- as.Date(preg$conception_date)
  first <- tapply(inj$injection_date, inj$participant_id, min)
  count <- tapply(inj$injection_date, inj$participant_id, length)
  w <- p[p$participant_id %in% names(first), ]
  w$first_injection <- as.Date(first[w$participant_id], origin = "1970-01-01")
  w$injection_count <- as.integer(count[w$participant_id])
  w$age <- completed_years(as.Date(w$birth_date), w$first_injection)
  preg$first_injection <- as.Date(first[preg$participant_id], origin = "1970-01-01")
  after <- preg[!is.na(preg$first_injection) & preg$conception_date >= preg$first_injection, ]
  w$pregnant <- as.integer(w$participant_id %in% after$participant_id)
  w$amh_ng_ml <- as.numeric(w$amh_ng_ml)
  w$afc <- as.numeric(w$afc)
  w
}

coefficient_rows <- function(case, model, fit) {
  s <- summary(fit)$coefficients
  ci <- confint.default(fit)
  data.frame(case = case, model = model, term = unname(TERMS[rownames(s)]),
             estimate = s[, "Estimate"], std_error = s[, "Std. Error"],
             p_value = s[, "Pr(>|z|)"], conf_low = ci[rownames(s), 1],
             conf_high = ci[rownames(s), 2], row.names = NULL)
}

coefficients <- list()
models <- list()
for (case in CASES) {
  w <- derive(case)
  n_women <- nrow(w)
  markers <- c("amh_ng_ml", "afc")
  recorded <- vapply(markers, function(m) sum(!is.na(w[[m]])), 0)
  used <- markers[recorded > 0 & recorded >= MARKER_MIN_FRACTION * n_women]
  covariates <- c("age", "menses_baseline", "injection_count", used)
  w <- w[complete.cases(w[, c("pregnant", covariates)]), ]
  present <- MENSES_LEVELS[MENSES_LEVELS %in% w$menses_baseline]
  w$menses <- factor(w$menses_baseline, levels = present)
  w$injections <- factor(ifelse(w$injection_count >= 2, "2_plus", "1"), levels = c("1", "2_plus"))
  rhs <- c("age", "menses", "injections", used)
  adjusted <- fit_logistic(reformulate(rhs, "pregnant"), w)
  coefficients[[length(coefficients) + 1]] <- coefficient_rows(case, "adjusted", adjusted)
  models[[length(models) + 1]] <- data.frame(
    case = case, model = "adjusted", n_women = n_women, n = nrow(w),
    events = sum(w$pregnant), aic = AIC(adjusted), deviance = deviance(adjusted),
    converged = adjusted$converged, markers = paste(used, collapse = ";"))
  for (covariate in rhs) {
    crude <- fit_logistic(reformulate(covariate, "pregnant"), w)
    model <- paste0("crude_", names(COVARIATES)[COVARIATES == covariate])
    coefficients[[length(coefficients) + 1]] <- coefficient_rows(case, model, crude)
  }
}

write_fixture(do.call(rbind, coefficients), "coefficients.csv")
write_fixture(do.call(rbind, models), "models.csv")
