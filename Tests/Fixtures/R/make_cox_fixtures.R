# Cox proportional-hazards reference values for the Swift tests (CI has no R).
# Run from Tests/Fixtures:   Rscript R/make_cox_fixtures.R
# Reads the CSV data sets in data/ (written by R/export_datasets.R) so that R and
# Swift see exactly the same numbers, fits coxph() and writes one CSV per case to
# R/out-cox/<case>.csv with columns quantity, index, value (17 significant digits).
#
#   coef, se, z, p, lower, upper   per coefficient (index 1..p; 95% CI as summary())
#   name                           coefficient names in model-matrix order
#   var                            variance matrix, row-major (index 1..p*p)
#   loglik                         index 1 = at initial values, 2 = at the estimate
#   lrt, wald, score               index 1 = statistic, 2 = df, 3 = p-value
#   iter, n, nevent                as coxph reports them
suppressMessages(library(survival))
outdir <- file.path("R", "out-cox")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

write_fit <- function(fit, case) {
  s <- summary(fit)
  p <- length(coef(fit))
  cf <- s$coefficients
  ci <- s$conf.int
  df <- sum(!is.na(coef(fit)))
  init <- if (is.null(fit$call$init)) rep(0, p) else eval(fit$call$init)
  lrt <- 2 * (fit$loglik[2] - fit$loglik[1])
  rows <- rbind(
    data.frame(quantity = "name", index = seq_len(p), value = names(coef(fit))),
    data.frame(quantity = "coef", index = seq_len(p), value = g17(cf[, "coef"])),
    data.frame(quantity = "se", index = seq_len(p), value = g17(cf[, "se(coef)"])),
    data.frame(quantity = "z", index = seq_len(p), value = g17(cf[, "z"])),
    data.frame(quantity = "p", index = seq_len(p), value = g17(cf[, "Pr(>|z|)"])),
    data.frame(quantity = "lower", index = seq_len(p), value = g17(ci[, "lower .95"])),
    data.frame(quantity = "upper", index = seq_len(p), value = g17(ci[, "upper .95"])),
    data.frame(quantity = "var", index = seq_len(p * p), value = g17(as.vector(t(fit$var)))),
    data.frame(quantity = "loglik", index = 1:2, value = g17(fit$loglik)),
    data.frame(quantity = "lrt", index = 1:3,
               value = g17(c(lrt, df, pchisq(lrt, df, lower.tail = FALSE)))),
    data.frame(quantity = "wald", index = 1:3,
               value = g17(c(fit$wald.test, df, pchisq(fit$wald.test, df, lower.tail = FALSE)))),
    data.frame(quantity = "score", index = 1:3,
               value = g17(c(fit$score, df, pchisq(fit$score, df, lower.tail = FALSE)))),
    data.frame(quantity = "iter", index = 1, value = g17(fit$iter)),
    data.frame(quantity = "n", index = 1, value = g17(fit$n)),
    data.frame(quantity = "nevent", index = 1, value = g17(fit$nevent)),
    data.frame(quantity = "init", index = seq_len(p), value = g17(init))
  )
  write.csv(rows, file.path(outdir, paste0(case, ".csv")), row.names = FALSE, quote = TRUE)
}

lung <- read.csv("data/lung.csv")
lung$status <- as.integer(lung$status == 2)         # 1 = censored, 2 = dead in R's lung
veteran <- read.csv("data/veteran.csv")
veteran$celltype <- factor(veteran$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
ovarian <- read.csv("data/ovarian.csv")
rats <- read.csv("data/rats.csv")
aml <- read.csv("data/aml.csv")
aml$x <- factor(aml$x, levels = c("Maintained", "Nonmaintained"))

# Whole data sets (na.omit drops lung's row with missing ph.ecog)
write_fit(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = "efron"), "lung_efron")
write_fit(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = "breslow"), "lung_breslow")
write_fit(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = "efron",
                init = c(0.01, -0.5, 0.4)), "lung_efron_init")
write_fit(coxph(Surv(time, status) ~ age + strata(sex), lung, ties = "efron"), "lung_strata_sex")
write_fit(coxph(Surv(time, status) ~ trt + karno + celltype, veteran, ties = "efron"), "veteran_efron")
write_fit(coxph(Surv(futime, fustat) ~ rx + age, ovarian, ties = "efron"), "ovarian_efron")
write_fit(coxph(Surv(time, status) ~ rx + sex, rats, ties = "efron"), "rats_efron")
write_fit(coxph(Surv(time, status) ~ rx + sex, rats, ties = "breslow"), "rats_breslow")
write_fit(coxph(Surv(time, status) ~ rx + strata(litter), rats, ties = "efron"), "rats_strata_litter")
write_fit(coxph(Surv(time, status) ~ x, aml, ties = "efron"), "aml_efron")
write_fit(coxph(Surv(time, status) ~ x, aml, ties = "breslow"), "aml_breslow")

# Therneau & Grambsch appendix data set 1 (survival/tests/book1.R): not in time order,
# second row has a missing status and is dropped. Breslow: the first Newton step from
# 0 is U(0)/I(0) = 1/(5/8) = 8/5; the MLE is 1.4752849.
test1 <- data.frame(time = c(9, 3, 1, 1, 6, 6, 8),
                    status = c(1, NA, 1, 0, 1, 1, 0),
                    x = c(0, 2, 1, 1, 1, 0, 0))
write_fit(coxph(Surv(time, status) ~ x, test1, ties = "breslow"), "test1_breslow")
write_fit(coxph(Surv(time, status) ~ x, test1, ties = "efron"), "test1_efron")
write_fit(coxph(Surv(time, status) ~ x, test1, ties = "breslow", iter.max = 1), "test1_breslow_iter1")
write_fit(coxph(Surv(time, status) ~ x, test1, ties = "breslow", iter.max = 0), "test1_breslow_iter0")

# Monotone likelihood: the four earliest times are exactly the x = 1 group, so beta-hat
# is +infinity. R stops when the log-likelihood has converged (iteration 20 here) and
# warns "Loglik converged before variable 1; coefficient may be infinite".
separated <- data.frame(time = 1:8, status = c(1, 1, 1, 1, 1, 0, 1, 1), x = c(1, 1, 1, 1, 0, 0, 0, 0))
write_fit(suppressWarnings(coxph(Surv(time, status) ~ x, separated)), "separated_efron")

cat("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival")), "\n",
    file = file.path(outdir, "VERSIONS.txt"))
