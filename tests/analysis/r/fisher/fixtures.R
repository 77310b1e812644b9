# R reference values for follicle.analysis.stats.fisher (tests/analysis/stats/test_fisher.py).
#
# Reads inputs/tables.csv (case, row, column, count) and writes expected/fisher.csv: R's
# exact fisher.test p-value of each r x c table (workspace = 2e7), at 17 digits, under a
# header naming R's version and the SHA-256 of this script and common.R.
#
#   Rscript tests/analysis/r/fisher/fixtures.R

args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))
cells <- read.csv(file.path(here, "inputs", "tables.csv"))
out <- do.call(rbind, lapply(split(cells, cells$case), function(t) {
  m <- xtabs(count ~ row + column, data = t)
  data.frame(case = t$case[1], p = format(fisher.test(m, workspace = 2e7)$p.value, digits = 17))
}))
con <- file(file.path(here, "expected", "fisher.csv"), "w")
writeLines(header, con)
write.csv(out, con, row.names = FALSE)
close(con)
