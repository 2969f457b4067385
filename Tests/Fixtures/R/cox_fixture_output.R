# Shared by the fixture scripts (sourced, run from Tests/Fixtures): g17 and write_fit,
# which writes a coxph fit as R/<outdir>/<case>.csv (quantity, index, value; see
# make_analyze_fixtures.R). `outdir` is the sourcing script's.
g17 <- function(x) sprintf("%.17g", x)

write_fit <- function(fit, case) {
  s <- summary(fit)
  p <- length(coef(fit))
  cf <- s$coefficients
  df <- sum(!is.na(coef(fit)))
  lrt <- 2 * (fit$loglik[2] - fit$loglik[1])
  rows <- rbind(
    data.frame(quantity = "name", index = seq_len(p), value = names(coef(fit))),
    data.frame(quantity = "coef", index = seq_len(p), value = g17(cf[, "coef"])),
    data.frame(quantity = "se", index = seq_len(p), value = g17(cf[, "se(coef)"])),
    data.frame(quantity = "z", index = seq_len(p), value = g17(cf[, "z"])),
    data.frame(quantity = "p", index = seq_len(p), value = g17(cf[, "Pr(>|z|)"])),
    data.frame(quantity = "var", index = seq_len(p * p), value = g17(as.vector(t(fit$var)))),
    data.frame(quantity = "loglik", index = 1:2, value = g17(fit$loglik)),
    data.frame(quantity = "lrt", index = 1:3, value = g17(c(lrt, df, pchisq(lrt, df, lower.tail = FALSE)))),
    data.frame(quantity = "wald", index = 1:3, value = g17(c(fit$wald.test, df, pchisq(fit$wald.test, df, lower.tail = FALSE)))),
    data.frame(quantity = "score", index = 1:3, value = g17(c(fit$score, df, pchisq(fit$score, df, lower.tail = FALSE)))),
    data.frame(quantity = "iter", index = 1, value = g17(fit$iter)),
    data.frame(quantity = "n", index = 1, value = g17(fit$n)),
    data.frame(quantity = "nevent", index = 1, value = g17(fit$nevent))
  )
  if (!is.null(fit$naive.var)) {   # robust: fit$var is the sandwich, se(coef) the naive se
    rows <- rbind(rows,
      data.frame(quantity = "robust_se", index = seq_len(p), value = g17(cf[, "robust se"])),
      data.frame(quantity = "rscore", index = 1:3, value = g17(c(fit$rscore, df, pchisq(fit$rscore, df, lower.tail = FALSE)))))
  }
  write.csv(rows, file.path(outdir, paste0(case, ".csv")), row.names = FALSE, quote = TRUE)
}

