# Mixture cure log-likelihoods written by hand (flexsurvcure is not packaged), for
# nensim's cure fits (CI has no R). Run from Tests/Fixtures:
#   Rscript R/make_cure_fixtures.R
# S(t) = pi + (1 - pi) S0(t): an event adds log(1 - pi) + log f0(t), a censoring
# log(pi + (1 - pi) S0(t)). Parameters on nensim's estimation scale (docs/PARAMETRIC.md):
# theta = (mu, log sigma, logit pi) for the Weibull, log-normal and log-logistic
# (survreg's location-scale forms on base R's dweibull/dlnorm/dlogis), (mu, logit pi) for
# the exponential, (log rate, shape, logit pi) for the Gompertz (h = b exp(a t)).
# For each data set (lung, veteran; colon's recurrences, written to data/colon_recurrence.csv) and family: the log-likelihood at two
# fixed points (case "at"), and optim's maximum (BFGS from the family's own fit with
# pi = 0.1, then Nelder-Mead polish; case "max") with the SEs of optimHess at steps 1e-4 x max(|theta|, 0.01).
# Writes R/out-cure/cure.csv: data, dist, case, point, quantity, index, value (17 digits).
suppressPackageStartupMessages(library(survival))
outdir <- file.path("R", "out-cure")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)
lung <- read.csv("data/lung.csv"); veteran <- read.csv("data/veteran.csv")
# survival's colon, recurrence records (etype 1): a plateau near 50 %, a cure fraction inside (0, 1).
recurrence <- subset(survival::colon, etype == 1)[, c("time", "status", "rx")]
write.csv(recurrence, "data/colon_recurrence.csv", row.names = FALSE, quote = FALSE)
sets <- list(lung = list(t = lung$time, d = as.integer(lung$status == 2)),
             veteran = list(t = veteran$time, d = as.integer(veteran$status == 1)),
             colon = list(t = recurrence$time, d = recurrence$status))
logS0 <- function(dist, th, t) switch(dist,
  exponential = pexp(t, exp(-th[1]), lower.tail = FALSE, log.p = TRUE),
  weibull = pweibull(t, shape = exp(-th[2]), scale = exp(th[1]), lower.tail = FALSE, log.p = TRUE),
  lognormal = plnorm(t, th[1], exp(th[2]), lower.tail = FALSE, log.p = TRUE),
  loglogistic = plogis((log(t) - th[1]) / exp(th[2]), lower.tail = FALSE, log.p = TRUE),
  gompertz = -exp(th[1]) / th[2] * expm1(th[2] * t))
logf0 <- function(dist, th, t) switch(dist,
  exponential = dexp(t, exp(-th[1]), log = TRUE),
  weibull = dweibull(t, shape = exp(-th[2]), scale = exp(th[1]), log = TRUE),
  lognormal = dlnorm(t, th[1], exp(th[2]), log = TRUE),
  loglogistic = dlogis((log(t) - th[1]) / exp(th[2]), log = TRUE) - th[2] - log(t),
  gompertz = th[1] + th[2] * t + logS0("gompertz", th, t))
loglik <- function(dist, theta, t, d) {
  k <- length(theta); c <- theta[k]; th <- theta[-k]
  pi <- plogis(c)
  ev <- d == 1
  sum(log1p(-pi) + logf0(dist, th, t[ev])) + sum(log(pi + (1 - pi) * exp(logS0(dist, th, t[!ev]))))
}
start <- function(dist, t, d) {
  if (dist == "gompertz") { r <- sum(d) / sum(t); return(c(log(r), 1e-4)) }
  f <- survreg(Surv(t, d) ~ 1, dist = dist)
  if (dist == "exponential") coef(f) else c(coef(f), log(f$scale))
}
rows <- list()
add <- function(data, dist, case, point, quantity, values)
  for (i in seq_along(values)) rows[[length(rows) + 1]] <<- data.frame(data = data, dist = dist, case = case, point = point,
    quantity = quantity, index = i - 1, value = g17(values[i]))
for (name in names(sets)) for (dist in c("exponential", "weibull", "lognormal", "loglogistic", "gompertz")) {
  t <- sets[[name]]$t; d <- sets[[name]]$d
  s <- start(dist, t, d)
  moved <- if (dist == "gompertz") s + c(0.05, 2e-4) else s * 1.05 + 0.01 # a Gompertz shape is per day: a small move
  points <- list(c(s, qlogis(0.1)), c(moved, qlogis(0.3)))
  for (p in seq_along(points)) {
    add(name, dist, "at", p, "theta", points[[p]])
    add(name, dist, "at", p, "loglik", loglik(dist, points[[p]], t, d))
  }
  f <- function(th) -loglik(dist, th, t, d)
  o <- optim(c(s, qlogis(0.1)), f, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  o <- optim(o$par, f, method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 20000))
  o <- optim(o$par, f, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  # Steps of the numerical Hessian on each parameter's own scale (the default 1e-3 is
  # wider than a Gompertz shape's standard error).
  o$hessian <- optimHess(o$par, f, control = list(ndeps = 1e-4 * pmax(abs(o$par), 1e-2)))
  add(name, dist, "max", 0, "theta", o$par)
  add(name, dist, "max", 0, "loglik", -o$value)
  cat(name, dist, o$par, -o$value, "\n")
  se <- tryCatch(sqrt(diag(solve(o$hessian))), error = function(e) NULL)
  if (!is.null(se) && abs(o$par[length(o$par)]) < 8) add(name, dist, "max", 0, "se", se)
}
write.csv(do.call(rbind, rows), file.path(outdir, "cure.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))), file.path(outdir, "VERSIONS.txt"))
