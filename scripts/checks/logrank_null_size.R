# The size of R's log-rank test (survival::survdiff) under the null in the design of
# docs/TRIAL.md, "Checks": 171 patients randomised 1:1 in blocks of 4, uniform entry over
# 24 months, both arms exponential with median 5 months, analysed at the 120th event.
# nensim's simulated trials reject a little more often than the nominal level at this
# size; this script shows that R's own test does too (it is the test, not nensim's code).
# Rscript scripts/checks/logrank_null_size.R   (about 10 minutes for 10^5 replicates)
suppressMessages(library(survival))
set.seed(1)
R <- 100000; n <- 171; D <- 120; lam <- log(2)/5
rej2 <- 0; rej1 <- 0
for (r in 1:R) {
  g <- rep(c(0,1,1,0), length.out = n)  # blocks of 4
  entry <- runif(n, 0, 24)
  t <- rexp(n, lam)
  cal <- entry + t
  tc <- sort(cal)[D]
  obs <- pmin(t, tc - entry); ev <- as.integer(cal <= tc)
  keep <- entry < tc
  s <- survdiff(Surv(obs[keep], ev[keep]) ~ g[keep])
  z <- (s$obs[2] - s$exp[2]) / sqrt(s$var[2,2])
  if (s$chisq > qchisq(0.95, 1)) rej2 <- rej2 + 1
  if (z < -qnorm(0.975)) rej1 <- rej1 + 1
}
cat(sprintf("two-sided %.5f  one-sided favourable %.5f  (R=%d)\n", rej2/R, rej1/R, R))
