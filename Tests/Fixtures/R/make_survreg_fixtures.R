# Parametric survival (survreg) reference values for the Swift tests (CI has no R).
# Run from Tests/Fixtures:   Rscript R/make_survreg_fixtures.R
# Reads the CSV data sets in data/ (written by R/export_datasets.R) so that R and Swift
# see the same numbers, fits survreg() for the four families it shares with nensim
# (exponential, weibull, lognormal, loglogistic) with a tight convergence tolerance
# (rel.tolerance 1e-13, so the reference is converged well past the 1e-6 the tests ask),
# and writes R/out-survreg/survreg.csv with columns case, dist, quantity, index, value
# (17 significant digits):
#
#   name      parameter names: coefficients in model-matrix order, then Log(scale)
#             (none for the exponential)
#   estimate  coefficients, then log(scale)
#   se        standard errors from fit$var (inverse observed information)
#   var       the variance matrix, row-major
#   loglik    log-likelihood at the estimate (fit$loglik[2], on the time scale)
#   n, nevent records used and events
suppressMessages(library(survival))
outdir <- file.path("R", "out-survreg")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

lung <- read.csv("data/lung.csv")
veteran <- read.csv("data/veteran.csv")
ovarian <- read.csv("data/ovarian.csv")

cases <- list(
  lung_null = list(data = lung, formula = Surv(time, status) ~ 1),
  lung_age_sex = list(data = lung, formula = Surv(time, status) ~ age + sex),
  veteran_null = list(data = veteran, formula = Surv(time, status) ~ 1),
  veteran_trt_karno = list(data = veteran, formula = Surv(time, status) ~ trt + karno),
  ovarian_null = list(data = ovarian, formula = Surv(futime, fustat) ~ 1),
  ovarian_age_ecog = list(data = ovarian, formula = Surv(futime, fustat) ~ age + ecog.ps)
)
dists <- c("exponential", "weibull", "lognormal", "loglogistic")
control <- survreg.control(rel.tolerance = 1e-13, maxiter = 200)

rows <- list()
for (case in names(cases)) {
  for (dist in dists) {
    cs <- cases[[case]]
    fit <- survreg(cs$formula, data = cs$data, dist = dist, control = control)
    est <- coef(fit)
    nm <- names(est)
    if (dist != "exponential") {
      est <- c(est, log(fit$scale))
      nm <- c(nm, "Log(scale)")
    }
    v <- fit$var
    k <- length(est)
    rows[[length(rows) + 1]] <- rbind(
      data.frame(case = case, dist = dist, quantity = "name", index = seq_len(k), value = nm),
      data.frame(case = case, dist = dist, quantity = "estimate", index = seq_len(k), value = g17(est)),
      data.frame(case = case, dist = dist, quantity = "se", index = seq_len(k), value = g17(sqrt(diag(v)))),
      data.frame(case = case, dist = dist, quantity = "var", index = seq_len(k * k), value = g17(as.vector(t(v)))),
      data.frame(case = case, dist = dist, quantity = "loglik", index = 1, value = g17(fit$loglik[2])),
      data.frame(case = case, dist = dist, quantity = "n", index = 1, value = as.character(nrow(fit$y))),
      data.frame(case = case, dist = dist, quantity = "nevent", index = 1, value = as.character(sum(fit$y[, 2])))
    )
  }
}
write.csv(do.call(rbind, rows), file.path(outdir, "survreg.csv"), row.names = FALSE)
writeLines(sprintf("%s survival %s", R.version.string, packageVersion("survival")), file.path(outdir, "VERSIONS.txt"))
