# The loop of `nensim trial --test maxcombo --looks 0.5,0.75,1` written in R (survival
# + mvtnorm), timed per replicate: n = 300 patients 1:1, uniform accrual over 24 months,
# exponential PFS (medians 6 and 9 months), looks at 100, 150, 200 events; at each look
# the FH(0,0), (0,1), (1,0), (1,1) statistics from survfit's pooled KM and the risk
# table, the MaxCombo p-value by mvtnorm::pmvnorm (Genz–Bretz on the singular
# correlation), stop at the first p below the look's nominal level.
# Usage: Rscript scripts/perf/trial_maxcombo.R [REPLICATES]   (default 200)
suppressMessages({ library(survival); library(mvtnorm) })
args <- commandArgs(trailingOnly = TRUE)
R <- if (length(args) > 0) as.integer(args[1]) else 200
nominal <- 1 - pnorm(c(2.962588, 2.359018, 2.014084))   # one-sided OBF, alpha 0.025
events <- c(100, 150, 200)
maxcombo <- function(time, event, group) {
  ut <- sort(unique(time[event == 1]))
  # at risk and events per distinct event time, per group
  r0 <- sapply(ut, function(t) sum(time >= t & group == 0)); r1 <- sapply(ut, function(t) sum(time >= t & group == 1))
  d0 <- sapply(ut, function(t) sum(time == t & event == 1 & group == 0)); d1 <- sapply(ut, function(t) sum(time == t & event == 1 & group == 1))
  nn <- r0 + r1; d <- d0 + d1
  S <- c(1, cumprod(1 - d / nn))[seq_along(ut)]
  W <- cbind(1, 1 - S, S, S * (1 - S))
  o <- d1 - d * r1 / nn
  v <- ifelse(nn > 1, d * (nn - d) * r0 * r1 / (nn^2 * (nn - 1)), 0)
  U <- colSums(W * o); V <- t(W) %*% (W * v)
  sd <- sqrt(diag(V)); z <- -U / sd
  1 - pmvnorm(upper = rep(max(z), 4), corr = V / outer(sd, sd))[1]
}
set.seed(1)
t0 <- proc.time()
stops <- integer(R)
for (r in 1:R) {
  n <- 300
  entry <- sort(runif(n, 0, 24)); g <- rep(0:1, length.out = n)
  y <- rexp(n, ifelse(g == 1, log(2) / 9, log(2) / 6))
  cal <- sort(entry + y)
  for (k in 1:3) {
    tk <- cal[events[k]]
    inn <- entry < tk
    time <- pmin(y[inn], tk - entry[inn]); event <- as.integer(entry[inn] + y[inn] <= tk)
    p <- maxcombo(time, event, g[inn])
    if (p < nominal[k] || k == 3) { stops[r] <- k; break }
  }
}
el <- proc.time() - t0
cat(sprintf("R %s: %d replicates in %.2f s elapsed (%.2f s CPU): %.2f ms per replicate; stopping looks %s\n",
            getRversion(), R, el[["elapsed"]], el[["user.self"]] + el[["sys.self"]],
            1000 * el[["elapsed"]] / R, paste(tabulate(stops, 3), collapse = "/")))
