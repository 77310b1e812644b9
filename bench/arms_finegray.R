# The Fine-Gray step as issue 15 prescribes it, timed (docs/arms.md, "At scale"):
# survival::finegray, then a weighted coxph on the expanded rows clustered by woman, as
# tests/analysis/r/arms/fixtures.R fits them (same control), crude and adjusted.
#
#   .venv/bin/python bench/arms_scale.py WORKBOOK --csv /tmp/arms.csv
#   /usr/bin/time -f "%U+%S s, peak %M kB" Rscript bench/arms_finegray.R /tmp/arms.csv
#
# The CSV holds the analysed women (arm, months, status 0/1/2, the five covariates). Both
# models use the complete cases (fixtures.R fits the crude one to every woman): in the
# synthetic cohorts of `follicle synth` every woman has the five covariates, so it is the
# same thing there.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
cpu <- function(t) unname(t[["user.self"]] + t[["sys.self"]])
d <- read.csv(args[1], na.strings = "")
d$arm <- relevel(factor(d$arm), ref = "control")
d$st <- factor(d$status, 0:2, c("censored", "pregnancy", "menopause"))
d$id <- seq_len(nrow(d))
covs <- c("age", "amh", "afc", "menses_regular", "prior_ivf_cycles")
d <- d[complete.cases(d[, covs]), c("id", "months", "st", "arm", covs)]
ctl <- coxph.control(eps = 1e-12, iter.max = 100)
cat(sprintf("women %d\n", nrow(d)))
t_fg <- system.time(fg <- finegray(Surv(months, st) ~ ., data = d, etype = "pregnancy"))
cat(sprintf("finegray: %d rows, %.1f s CPU\n", nrow(fg), cpu(t_fg)))
rm(d); invisible(gc())
t1 <- system.time(f1 <- coxph(Surv(fgstart, fgstop, fgstatus) ~ arm + cluster(id),
                              weights = fgwt, data = fg, control = ctl))
cat(sprintf("coxph crude: %.1f s CPU, %d iterations\n", cpu(t1), f1$iter))
print(exp(coef(f1)))
rm(f1); invisible(gc())
adj <- as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~ arm +",
                        paste(covs, collapse = " + "), "+ cluster(id)"))
t2 <- system.time(f2 <- coxph(adj, weights = fgwt, data = fg, control = ctl))
cat(sprintf("coxph adjusted: %.1f s CPU, %d iterations\n", cpu(t2), f2$iter))
print(exp(coef(f2))[1:2])
