"""General statistical methods, each matched to R's: distributions, proportions and their
intervals, contingency tables (χ², Fisher), Welch's tests, standardized mean differences,
box-plot statistics. Nothing here knows the study; the study's results use these."""
