# Reference values for the non-proportional-hazards tests (Tests/SurvivalStatsTests/
# NonProportionalTests.swift; CI has no R). Run from Tests/Fixtures:
#   Rscript R/make_nph_fixtures.R
# Writes R/out-nph/data_<case>.csv (time, event, group; group 1 experimental),
# R/out-nph/tests.csv (case, quantity, value; 17 digits) and R/out-nph/bvn.csv.
# The weighted log-rank statistics are computed here from first principles (pooled
# Kaplan–Meier S(t-), hypergeometric variance as survdiff), oriented z = -U/sqrt(V)
# (positive favours group 1); the MaxCombo p-value is 1 - P(all Z <= zmax) by
# mvtnorm::pmvnorm (Genz–Bretz, which accepts the singular correlation matrix) with a
# tight error bound, a direct integration independent of the Swift reduction.
suppressMessages({ library(survival); library(mvtnorm) })
outdir <- file.path("R", "out-nph")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

scores <- function(time, event, group, wfun) {
  ut <- sort(unique(time[event == 1]))
  m <- length(wfun(1)); U <- rep(0, m); V <- matrix(0, m, m); S <- 1
  for (t in ut) {
    r0 <- sum(time >= t & group == 0); r1 <- sum(time >= t & group == 1)
    d0 <- sum(time == t & event == 1 & group == 0); d1 <- sum(time == t & event == 1 & group == 1)
    n <- r0 + r1; d <- d0 + d1
    w <- wfun(S)
    U <- U + w * (d1 - d * r1 / n)
    v <- if (n > 1) d * (n - d) * r0 * r1 / (n^2 * (n - 1)) else 0
    V <- V + outer(w, w) * v
    S <- S * (1 - d / n)
  }
  list(U = U, V = V)
}

set.seed(20261201)
make <- function(n, delay, hr, cens) {
  g <- rep(0:1, length.out = n)
  # control exponential(median 6); experimental: same hazard until `delay`, then hr times it
  lam <- log(2) / 6
  e <- rexp(n)
  t <- ifelse(g == 0, e / lam, ifelse(e / lam < delay, e / lam, delay + (e - lam * delay) / (lam * hr)))
  c <- runif(n, 0, cens)
  list(time = round(pmin(t, c), 3), event = as.integer(t <= c), group = g)
}
cases <- list(delayed = make(160, 3, 0.5, 30), ph = make(120, 0, 0.7, 24), crossing = make(90, 6, 0.3, 20))
rows <- NULL
for (id in names(cases)) {
  d <- cases[[id]]
  write.csv(data.frame(time = g17(d$time), event = d$event, group = d$group),
            file.path(outdir, paste0("data_", id, ".csv")), row.names = FALSE, quote = FALSE)
  sc <- scores(d$time, d$event, d$group, function(S) c(1, 1 - S, S, S * (1 - S)))
  sd <- sqrt(diag(sc$V)); z <- -sc$U / sd; R <- sc$V / outer(sd, sd)
  zmax <- max(z)
  p <- 1 - pmvnorm(upper = rep(zmax, 4), corr = R, algorithm = GenzBretz(maxpts = 5e7, abseps = 1e-9, releps = 0))[1]
  # survdiff agrees for G(0,0) and G(1,0) (rho = 0, 1): a check of the hand computation
  sd0 <- survdiff(Surv(d$time, d$event) ~ d$group, rho = 0)
  stopifnot(abs(z[1]^2 - sd0$chisq) < 1e-8 * max(1, sd0$chisq))
  sd1 <- survdiff(Surv(d$time, d$event) ~ d$group, rho = 1)
  stopifnot(abs(z[3]^2 - sd1$chisq) < 1e-8 * max(1, sd1$chisq))
  # Magirr–Burman: weight 1/max(S(t-), S(t*)), t* = 6
  km <- survfit(Surv(d$time, d$event) ~ 1)
  sstar <- summary(km, times = 6, extend = TRUE)$surv
  mb <- scores(d$time, d$event, d$group, function(S) 1 / max(S, sstar))
  rows <- rbind(rows, data.frame(case = id, quantity = c(paste0("z", 1:4), "zmax", "p_maxcombo", paste0("corr", 1:16), "mb_z", "mb_u", "mb_v"),
                                 value = g17(c(z, zmax, p, as.vector(t(R)), -mb$U / sqrt(mb$V), mb$U, mb$V))))
}
write.csv(rows, file.path(outdir, "tests.csv"), row.names = FALSE, quote = FALSE)
b <- expand.grid(h = c(-2, -0.3, 0, 1.1, 2.5), k = c(-1.5, 0.4, 2), r = c(-0.95, -0.5, 0.2, 0.6, 0.8, 0.93, 0.99))
b$p <- mapply(function(h, k, r) pmvnorm(upper = c(h, k), corr = matrix(c(1, r, r, 1), 2))[1], b$h, b$k, b$r)
write.csv(data.frame(h = g17(b$h), k = g17(b$k), r = g17(b$r), p = g17(b$p)), file.path(outdir, "bvn.csv"), row.names = FALSE, quote = FALSE)
writeLines(sprintf("R %s survival %s mvtnorm %s", getRversion(), packageVersion("survival"), packageVersion("mvtnorm")), file.path(outdir, "VERSIONS.txt"))
