# R reference values for the reproduction audit's arithmetic (tests/analysis/test_r_audit.py).
#
# Reads inputs/tables.csv and inputs/statistics.csv (written by make_inputs.py) and writes
# expected/chisq.csv (chisq.test of each 2 x 2 table, with and without Yates' correction) and
# expected/p_values.csv (p-values of test statistics: chi-squared and F upper tail, z and t
# two-sided), at 17 significant digits. The first line of each file names R's version and the
# SHA-256 of this script and common.R; a test recomputes the hash. Base R only:
#
#   .venv/bin/python tests/analysis/r/audit/make_inputs.py
#   Rscript tests/analysis/r/audit/fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))

tables <- read.csv(file.path(here, "inputs", "tables.csv"))
rows <- list()
for (i in seq_len(nrow(tables))) {
  r <- tables[i, ]
  m <- matrix(c(r$n1, r$n2, r$total1 - r$n1, r$total2 - r$n2), nrow = 2)
  for (correct in c(TRUE, FALSE)) {
    test <- suppressWarnings(chisq.test(m, correct = correct))
    rows[[length(rows) + 1]] <- data.frame(
      case = r$case, correct = correct, statistic = unname(test$statistic),
      p_value = test$p.value, min_expected = min(test$expected)
    )
  }
}
write_fixture(do.call(rbind, rows), "chisq.csv")

statistics <- read.csv(file.path(here, "inputs", "statistics.csv"))
p <- with(statistics, ifelse(
  test == "chisq", pchisq(statistic, df, lower.tail = FALSE),
  ifelse(test == "f", pf(statistic, df, df2, lower.tail = FALSE),
  ifelse(test == "z", 2 * pnorm(-abs(statistic)), 2 * pt(-abs(statistic), df)))))
write_fixture(data.frame(case = statistics$case, p_value = p), "p_values.csv")
