# Survival-statistics pipeline in R `survival`, timed on the benchmark's two-arm trials.
#
# The same pipeline as Benchmarks/SurvivalStatistics and scripts/perf/survival_numpy.py,
# on the same data (the CSVs written by
# `swift run -c release --package-path Benchmarks survival-data DIR`):
#   1. survfit(Surv(time, status) ~ arm) and the medians with CI (quantile(fit, 0.5));
#   2. survdiff(Surv(time, status) ~ arm);
#   3. coxph(Surv(time, status) ~ arm, ties = "efron").
# Each step: system.time() elapsed (wall) and user + sys (CPU), median of 3 runs;
# reading the CSV is not timed.
#
# Usage: Rscript survival_r.R DIR [n per arm ...]
# Prints one JSON line per size: seconds per step and the numbers compared.
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
sizes <- if (length(args) > 1) as.numeric(args[-1]) else c(1e4, 1e5, 1e6)
g17 <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(g17(x), collapse = ","), "]")
timed <- function(expr) {
  f <- substitute(expr)
  env <- parent.frame()
  times <- numeric(3)
  cpus <- numeric(3)
  for (i in 1:3) {
    gc()
    st <- system.time(value <- eval(f, env))
    times[i] <- st[["elapsed"]]
    cpus[i] <- st[["user.self"]] + st[["sys.self"]]
  }
  list(seconds = median(times), cpu = median(cpus), value = value)
}
for (n in sizes) {
  d <- read.csv(file.path(dir, sprintf("survival_%d.csv", as.integer(n))))
  km <- timed({
    fit <- survfit(Surv(time, status) ~ arm, data = d)
    quantile(fit, 0.5)
  })
  lr <- timed(survdiff(Surv(time, status) ~ arm, data = d))
  cx <- timed(coxph(Surv(time, status) ~ arm, data = d, ties = "efron"))
  q <- km$value
  fit <- cx$value
  total <- km$seconds + lr$seconds + cx$seconds
  cpu <- km$cpu + lr$cpu + cx$cpu
  cat(sprintf(paste0('{"per_arm":%d,"tool":"R","seconds":{"km":%s,"logrank":%s,"cox":%s,"total":%s},',
                     '"cpu_seconds":{"km":%s,"logrank":%s,"cox":%s,"total":%s},',
                     '"result":{"medians":%s,"medianLower":%s,"medianUpper":%s,"logRankChiSquare":%s,"logRankP":%s,',
                     '"coxCoefficient":%s,"coxStandardError":%s,"hazardRatio":%s,"coxLogLikelihood":%s,"coxScore":%s,"coxIterations":%d}}\n'),
              as.integer(n), g17(km$seconds), g17(lr$seconds), g17(cx$seconds), g17(total),
              g17(km$cpu), g17(lr$cpu), g17(cx$cpu), g17(cpu),
              vec(q$quantile), vec(q$lower), vec(q$upper), g17(lr$value$chisq),
              g17(pchisq(lr$value$chisq, 1, lower.tail = FALSE)),
              g17(coef(fit)), g17(sqrt(fit$var[1, 1])), g17(exp(coef(fit))), vec(fit$loglik), g17(fit$score),
              as.integer(fit$iter)))
}
cat(sprintf('{"R":"%s","survival":"%s"}\n', R.version.string, as.character(packageVersion("survival"))))
