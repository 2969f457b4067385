# R side of scripts/perf/fit_compare.sh: survreg for the four families nensim fit shares
# with it, on the same CSV. Prints one JSON line: seconds to read the CSV and, per family,
# the survreg time (median of REPEATS runs) as elapsed and as CPU (user + system) seconds,
# and its coefficients and log-likelihood.
# usage: Rscript scripts/perf/fit_r.R DATA.csv [REPEATS]
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]
repeats <- if (length(args) > 1) as.integer(args[2]) else 3
t0 <- proc.time()
d <- read.csv(file)
read_s <- (proc.time() - t0)[["elapsed"]]
fams <- c("exponential", "weibull", "lognormal", "loglogistic")
out <- c()
for (f in fams) {
  times <- c(); cpu <- c()
  for (r in seq_len(repeats)) {
    t0 <- proc.time()
    fit <- survreg(Surv(time, event) ~ 1, data = d, dist = f)
    t1 <- proc.time() - t0
    times <- c(times, t1[["elapsed"]]); cpu <- c(cpu, t1[["user.self"]] + t1[["sys.self"]])
  }
  out <- c(out, sprintf('"%s_s": %.4f, "%s_cpu_s": %.4f', f, median(times), f, median(cpu)))
  out <- c(out, sprintf('"%s_loglik": %.17g, "%s_coef": [%s]', f, fit$loglik[2], f,
                        paste(sprintf("%.17g", c(coef(fit), if (f != "exponential") log(fit$scale))), collapse = ", ")))
}
cat(sprintf('{"tool": "R survreg", "n": %d, "read_csv_s": %.4f, %s}\n', nrow(d), read_s, paste(out, collapse = ", ")))
