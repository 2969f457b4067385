# Known values of the regularised incomplete gamma on the log scale at large shape a,
# for SurvivalStats' Distributions.logRegularizedGamma (Temme's expansion, a >= 100;
# CI has no R). Run from Tests/Fixtures:
#   Rscript R/make_incomplete_gamma_fixtures.R
# Writes R/out-gamma/log_incomplete_gamma.csv: a, x, log_p, log_q (17 significant
# digits), log_p = pgamma(x, a, log.p = TRUE), log_q = pgamma(x, a, lower.tail = FALSE,
# log.p = TRUE); x across a +- 10 sqrt(a) and the far tails (x/a from 0.3 to 2).
outdir <- file.path("R", "out-gamma")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)
rows <- list()
for (a in c(50, 99.5, 100, 100.5, 1e3, 12345.5, 1e5, 1e6, 1e8, 1e10)) {
  xs <- c(a + c(-10, -5, -2, -1, -0.25, 0, 0.25, 1, 2, 5, 10) * sqrt(a), a * c(0.3, 0.6, 0.8, 1.2, 1.5, 2))
  for (x in xs) {
    if (x <= 0) next
    rows[[length(rows) + 1]] <- data.frame(a = g17(a), x = g17(x), log_p = g17(pgamma(x, a, log.p = TRUE)),
                                           log_q = g17(pgamma(x, a, lower.tail = FALSE, log.p = TRUE)))
  }
}
write.csv(do.call(rbind, rows), file.path(outdir, "log_incomplete_gamma.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string), file.path(outdir, "VERSIONS.txt"))
