# The generalized gamma's inverse survival function, log T with S(T) = exp(-E), for the
# engine's kernel (CI has no R). Run from Tests/Fixtures:
#   Rscript R/make_gengamma_inverse_fixtures.R
# Prentice's parameterisation (flexsurv's gengamma, written from its published formula
# on base R's qgamma with log.p, independent of the C and Swift code): with g = 1/Q^2,
# S = Q(g, u) for Q > 0 and P(g, u) for Q < 0, u = g exp(Q (log t - mu)/sigma), so
# log T = mu + sigma log(u/g)/Q with u the gamma quantile of the tail exp(-E).
# Writes R/out-gengamma/inverse.csv: mu, sigma, q, e, log_t (17 significant digits).
outdir <- file.path("R", "out-gengamma")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)
cases <- list(c(log(12), 0.9, 0.6), c(log(12), 0.9, -0.4), c(log(12), 0.9, 1), c(log(8), 0.5, 2),
              c(log(8), 1.4, -2), c(log(20), 0.7, 3.5), c(log(20), 0.7, 0.05), c(log(20), 0.7, -0.01),
              c(log(5), 1.2, 0.002))
es <- c(1.2e-10, 1e-6, 0.01, 0.3, log(2), 1.7, 5, 22.9, 40)
rows <- list()
for (p in cases) for (e in es) {
  mu <- p[1]; sigma <- p[2]; q <- p[3]; g <- 1 / q^2
  u <- if (q > 0) qgamma(-e, g, lower.tail = FALSE, log.p = TRUE) else qgamma(-e, g, lower.tail = TRUE, log.p = TRUE)
  rows[[length(rows) + 1]] <- data.frame(mu = g17(mu), sigma = g17(sigma), q = g17(q), e = g17(e),
                                         log_t = g17(mu + sigma * log(u / g) / q))
}
write.csv(do.call(rbind, rows), file.path(outdir, "inverse.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string), file.path(outdir, "VERSIONS.txt"))
