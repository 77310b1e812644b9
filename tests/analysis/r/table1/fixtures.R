# R reference values for Table 1 by a group (tests/analysis/test_r_table1.py).
#
# Reads inputs/women_*.csv, levels.csv, kinds.csv and cases.csv (written by make_inputs.py)
# and writes expected/table1_by.csv: for each case, every named value of follicle's
# table1_by result (case, key, value), at 17 significant digits. The first line names R's
# version and the SHA-256 of this script and common.R; a test recomputes the hash.
#
# Per group and overall: n, missing, mean, sd, median, quantile type 7, range (continuous);
# n and % of the known values per level, and the unknown count (categorical). Tests:
# t.test (Welch, two groups), oneway.test (Welch, three or more), chisq.test (Yates on
# 2 x 2, R's default) when every expected count is 5 or more, otherwise fisher.test
# (any r x c table, exact, workspace = 2e7) -- gtsummary's add_p() rule.
#
# Standardized mean differences: R's tableone is not installed here, so they are computed
# in base R following tableone's formulas (StdDiff, StdDiffMulti): Cohen's d with the
# average variance for a continuous variable; Yang & Dalton's multinomial SMD for a
# categorical one, sqrt(t(T) %*% ginv(S) %*% T) with the first level dropped and ginv
# written out as MASS::ginv does (an SVD, tolerance sqrt(.Machine$double.eps)); with three
# or more groups the mean of the pairwise SMDs, as tableone prints. Base R only:
#
#   .venv/bin/python tests/analysis/r/table1/make_inputs.py
#   Rscript tests/analysis/r/table1/fixtures.R

invisible(Sys.setlocale("LC_CTYPE", "C.UTF-8"))
args <- commandArgs(trailingOnly = FALSE)
script <- normalizePath(sub("^--file=", "", args[grep("^--file=", args)]))
source(file.path(dirname(script), "..", "common.R"))

read <- function(name) {
  read.csv(file.path(here, "inputs", name), na.strings = "", colClasses = "character",
           encoding = "UTF-8", check.names = FALSE)
}
levels_of <- read("levels.csv")
kinds <- read("kinds.csv")
kind <- setNames(kinds$kind, kinds$variable)
cases <- read("cases.csv")
default_rows <- c("age", "age_group", "age_followup", "followup_years", "injections",
                  "menses_baseline", "menses_followup")

# The levels shown: the vocabulary's that occur, in its order, then other values sorted
# (in code-point order, as Python sorts).
shown_levels <- function(variable, x) {
  observed <- unique(x[!is.na(x)])
  vocab <- levels_of$level[levels_of$variable == variable]
  vocab <- vocab[order(as.integer(levels_of$order[levels_of$variable == variable]))]
  known <- vocab[vocab %in% observed]
  c(known, sort(setdiff(observed, known), method = "radix"))
}

ginv <- function(m) {  # MASS::ginv
  s <- svd(m)
  keep <- s$d > max(sqrt(.Machine$double.eps) * s$d[1L], 0)
  if (!any(keep)) return(array(0, dim(m)[2L:1L]))
  s$v[, keep, drop = FALSE] %*% ((1 / s$d[keep]) * t(s$u[, keep, drop = FALSE]))
}
smd_cont <- function(m1, s1, m2, s2) {  # tableone StdDiff
  pooled <- sqrt((s1^2 + s2^2) / 2)
  if (is.na(pooled) || pooled == 0) NaN else abs(m1 - m2) / pooled
}
smd_cat <- function(c1, c2) {  # tableone StdDiffMulti (Yang & Dalton)
  if (length(c1) < 2 || sum(c1) == 0 || sum(c2) == 0) return(NaN)
  p1 <- (c1 / sum(c1))[-1]
  p2 <- (c2 / sum(c2))[-1]
  s <- (diag(p1, length(p1)) - outer(p1, p1) + diag(p2, length(p2)) - outer(p2, p2)) / 2
  d <- p1 - p2
  sqrt(max(drop(t(d) %*% ginv(s) %*% d), 0))
}
mean_pairwise <- function(smd) {  # tableone FormatLstSmds: rowMeans, no na.rm
  found <- smd[upper.tri(smd)]
  if (length(found) && all(is.finite(found))) mean(found) else NaN
}

out <- list()
emit <- function(case, key, value) {
  text <- if (is.character(value)) value else if (is.na(value)) "NA" else format(value, digits = 17)
  out[[length(out) + 1]] <<- data.frame(case = case, key = key, value = text)
}
safely <- function(expr) tryCatch(expr, error = function(e) NULL)

for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  women <- read(sprintf("women_%s.csv", cs$cohort))
  g <- women[[cs$by]]
  women <- women[!is.na(g), , drop = FALSE]
  g <- g[!is.na(g)]
  groups <- shown_levels(cs$by, g)
  columns <- c(groups, "Overall")
  k <- length(groups)
  rows <- if (is.na(cs$variables)) setdiff(default_rows, cs$by) else strsplit(cs$variables, ";")[[1]]
  emit(cs$case, "n_women", nrow(women))
  emit(cs$case, "groups", k)
  for (gr in groups) emit(cs$case, paste0(gr, ".n_women"), sum(g == gr))
  emit(cs$case, "Overall.n_women", nrow(women))
  for (v in rows) {
    key <- function(...) paste(c(v, ...), collapse = ".")
    test <- list(test = "", statistic = NA, df = NA, df2 = NA, p = NA)
    if (kind[[v]] == "continuous") {
      x <- as.numeric(women[[v]])
      stats <- list()
      for (gr in columns) {
        xs <- if (gr == "Overall") x else x[g == gr]
        kx <- xs[!is.na(xs)]
        s <- list(
          n = length(kx), missing = sum(is.na(xs)),
          mean = if (length(kx)) mean(kx) else NA, sd = if (length(kx) > 1) sd(kx) else NA,
          median = if (length(kx)) median(kx) else NA,
          q1 = if (length(kx)) unname(quantile(kx, 0.25, type = 7)) else NA,
          q3 = if (length(kx)) unname(quantile(kx, 0.75, type = 7)) else NA,
          min = if (length(kx)) min(kx) else NA, max = if (length(kx)) max(kx) else NA
        )
        for (name in names(s)) emit(cs$case, key(gr, name), s[[name]])
        stats[[gr]] <- s
      }
      if (k == 2) {
        r <- safely(t.test(x[g == groups[1]], x[g == groups[2]]))
        test$test <- "welch_t"
        if (!is.null(r)) test[c("statistic", "df", "p")] <- list(unname(r$statistic), unname(r$parameter), r$p.value)
      } else if (k > 2) {
        test$test <- "welch_anova"
        r <- safely(oneway.test(x ~ factor(g, levels = groups)))
        if (!is.null(r)) test[c("statistic", "df", "df2", "p")] <- list(unname(r$statistic), unname(r$parameter[1]), unname(r$parameter[2]), r$p.value)
      }
      smd <- matrix(NaN, k, k)
      for (a in seq_len(k)) for (b in seq_len(k)) if (a < b) {
        smd[a, b] <- smd_cont(stats[[a]]$mean, stats[[a]]$sd, stats[[b]]$mean, stats[[b]]$sd)
      }
    } else {
      x <- women[[v]]
      lv <- shown_levels(v, x)
      tab <- table(factor(g, levels = groups), factor(x, levels = lv))
      counts <- rbind(matrix(tab, nrow = k), colSums(tab))
      for (j in seq_along(lv)) for (r in seq_along(columns)) {
        emit(cs$case, key(lv[j], columns[r], "n"), counts[r, j])
        emit(cs$case, key(lv[j], columns[r], "pct"), counts[r, j] / sum(counts[r, ]) * 100)
      }
      for (gr in columns) {
        xs <- if (gr == "Overall") x else x[g == gr]
        emit(cs$case, key("unknown", gr, "n"), sum(is.na(xs)))
      }
      known <- matrix(tab, nrow = k)[, colSums(tab) > 0, drop = FALSE]
      t2 <- known[rowSums(known) > 0, , drop = FALSE]
      if (k >= 2 && nrow(t2) >= 2 && ncol(t2) >= 2) {
        expected <- outer(rowSums(t2), colSums(t2)) / sum(t2)
        if (min(expected) < 5) {
          test$test <- "fisher"
          test$p <- fisher.test(t2, workspace = 2e7)$p.value
        } else {
          r <- suppressWarnings(chisq.test(t2))
          test[c("test", "statistic", "df", "p")] <- list("chisq", unname(r$statistic), unname(r$parameter), r$p.value)
        }
      }
      smd <- matrix(NaN, k, k)
      for (a in seq_len(k)) for (b in seq_len(k)) if (a < b) smd[a, b] <- smd_cat(known[a, ], known[b, ])
    }
    for (name in c("test", "statistic", "df", "df2", "p")) emit(cs$case, key(name), test[[name]])
    emit(cs$case, key("smd"), if (k >= 2) mean_pairwise(smd) else NA)
  }
}

expected <- do.call(rbind, out)
con <- file(file.path(here, "expected", "table1_by.csv"), "w", encoding = "UTF-8")
writeLines(header, con)
write.csv(expected, con, row.names = FALSE, fileEncoding = "UTF-8")
close(con)
