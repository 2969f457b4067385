# Exports data sets shipped with R's `survival` package as CSV fixtures for the Swift
# tests (CI does not need R). Run from Tests/Fixtures:  Rscript R/export_datasets.R
# Missing values are written as empty cells.
suppressMessages(library(survival))
dir.create("data", showWarnings = FALSE)
out <- function(df, name) {
  write.csv(df, file.path("data", paste0(name, ".csv")), row.names = FALSE, na = "", quote = TRUE)
}
# lung: status 1 = censored, 2 = dead (kept as R has it; tests recode to 0/1 as survival does)
out(survival::lung, "lung")
out(survival::veteran, "veteran")
out(survival::ovarian, "ovarian")
# rats: many tied times (most censored at 104 weeks), litter-matched
out(survival::rats, "rats")
# aml: small, with ties
out(survival::aml, "aml")
cat("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival")), "\n",
    file = file.path("data", "VERSIONS.txt"))
