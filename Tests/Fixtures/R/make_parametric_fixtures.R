# Distribution-function reference values of the parametric families (CI has no R).
# Run from Tests/Fixtures:   Rscript R/make_parametric_fixtures.R
# Writes R/out-parametric/families.csv: family, p1, p2, p3 (the parameters as the Swift
# types take them, see docs/PARAMETRIC.md), kind (logS, logf, quantile, rmst), x (time,
# probability or tau), value (17 significant digits). Gompertz and generalized gamma are
# written from flexsurv's published formulas (flexsurv is not installed here) on base
# R's pgamma/qgamma/dgamma, which are independent of the Swift code.
outdir <- file.path("R", "out-parametric")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

fam <- list()
add <- function(family, p, logS, logf, q, times, probs, tau) {
  pp <- c(p, rep(NA, 3 - length(p)))
  S <- function(t) exp(logS(t))
  rm <- integrate(S, 0, tau, rel.tol = 1e-13, subdivisions = 1000L)$value
  fam[[length(fam) + 1]] <<- rbind(
    data.frame(family, p1 = pp[1], p2 = pp[2], p3 = pp[3], kind = "logS", x = times, value = sapply(times, logS)),
    data.frame(family, p1 = pp[1], p2 = pp[2], p3 = pp[3], kind = "logf", x = times, value = sapply(times, logf)),
    data.frame(family, p1 = pp[1], p2 = pp[2], p3 = pp[3], kind = "quantile", x = probs, value = sapply(probs, q)),
    data.frame(family, p1 = pp[1], p2 = pp[2], p3 = pp[3], kind = "rmst", x = tau, value = rm))
}
probs <- c(1e-12, 0.1, 0.5, 0.9, 1 - 1e-10)

# Weibull, survreg location mu and scale sigma: shape 1/sigma, scale exp(mu).
for (p in list(c(1.2, 0.7), c(0.3, 2.5), c(2, 0.05))) {
  mu <- p[1]; s <- p[2]
  add("weibull", p, function(t) pweibull(t, 1/s, exp(mu), lower.tail = FALSE, log.p = TRUE),
      function(t) dweibull(t, 1/s, exp(mu), log = TRUE), function(pr) qweibull(pr, 1/s, exp(mu)),
      c(1e-8, 0.5, 3, 50, 200), probs, 10)
}
for (p in list(c(1, 0.5), c(-2, 1.5))) {
  mu <- p[1]; s <- p[2]
  add("lognormal", p, function(t) plnorm(t, mu, s, lower.tail = FALSE, log.p = TRUE),
      function(t) dlnorm(t, mu, s, log = TRUE), function(pr) qlnorm(pr, mu, s),
      c(1e-6, 0.1, 2.7, 50, 1e4, 1e10), probs, 8)
}
for (p in list(c(0.5, 0.8), c(3, 0.2))) {
  mu <- p[1]; s <- p[2]
  add("loglogistic", p, function(t) plogis((log(t) - mu)/s, lower.tail = FALSE, log.p = TRUE),
      function(t) dlogis((log(t) - mu)/s, log = TRUE) - log(s * t), function(pr) exp(mu + s * qlogis(pr)),
      c(1e-6, 0.1, 2, 50, 1e6), probs, 20)
}
# Gompertz (flexsurv): h = rate exp(shape t), S = exp(-rate/shape (exp(shape t) - 1)).
for (p in list(c(0.3, 0.05), c(-0.2, 0.1), c(1e-9, 0.2))) {
  a <- p[1]; b <- p[2]
  logS <- function(t) -b / a * expm1(a * t)
  q <- function(pr) { x <- -a * log1p(-pr) / b; if (x <= -1) Inf else log1p(x) / a }
  add("gompertz", p, logS, function(t) log(b) + a * t + logS(t), q, c(1e-6, 0.5, 3, 10, 20),
      c(1e-12, 0.1, 0.5, 0.9), 15)
}
# Generalized gamma (flexsurv, Prentice): w = (log t - mu)/sigma, g = Q^-2, u = g exp(Q w);
# Q > 0: S = 1 - P(g, u); Q < 0: S = P(g, u); density as dgengamma.
for (p in list(c(1, 0.6, 0.5), c(1, 0.6, -0.7), c(0.5, 0.9, 1), c(1, 0.6, 0.01), c(2, 0.3, 2.5))) {
  mu <- p[1]; s <- p[2]; Q <- p[3]
  g <- Q^-2
  u <- function(t) g * exp(Q * (log(t) - mu) / s)
  logS <- function(t) pgamma(u(t), g, lower.tail = Q < 0, log.p = TRUE)
  logf <- function(t) { w <- (log(t) - mu)/s; -log(s * t) + log(abs(Q)) + g * log(g) + g * (Q * w - exp(Q * w)) - lgamma(g) }
  q <- function(pr) { uu <- qgamma(pr, g, lower.tail = Q > 0); exp(mu + s * log(uu / g) / Q) }
  add("gengamma", p, logS, logf, q, c(0.01, 0.5, 2.7, 8, 30), c(0.1, 0.5, 0.9), 10)
}
# Generalized gamma at its edges: large |Q| (shape Q^-2 = 1/9), Q near 0 (shape 250000)
# of either sign, at times where S is within 1e-12 of 1 and where log S is far below 0,
# and the extreme quantiles.
for (p in list(c(1, 0.6, 3), c(1, 0.6, -3), c(0.5, 1, 0.002), c(0.5, 1, -0.002))) {
  mu <- p[1]; s <- p[2]; Q <- p[3]
  g <- Q^-2
  u <- function(t) g * exp(Q * (log(t) - mu) / s)
  logS <- function(t) pgamma(u(t), g, lower.tail = Q < 0, log.p = TRUE)
  # log f as the gamma density of u times du/dt = u |Q| / (s t): dgamma's saddle-point
  # form stays accurate for shape 250000, where dgengamma's g log g - lgamma(g) cancels.
  logf <- function(t) { uu <- u(t); dgamma(uu, g, log = TRUE) + log(uu * abs(Q) / (s * t)) }
  q <- function(pr) { uu <- qgamma(pr, g, lower.tail = Q > 0); exp(mu + s * log(uu / g) / Q) }
  add("gengamma", p, logS, logf, q, c(1e-6, 1e-3, 1, 50, 1e3, 1e5), c(1e-12, 0.1, 0.5, 0.9, 1 - 1e-10), 10)
}
out <- do.call(rbind, fam)
out$value <- g17(out$value)
out$x <- g17(out$x)
write.csv(out, file.path(outdir, "families.csv"), row.names = FALSE)
writeLines(sprintf("%s", R.version.string), file.path(outdir, "VERSIONS.txt"))
