# R side of scripts/perf/fit_compare.sh: survreg for the four families nensim fit shares
# with it, on the same CSV. Prints one JSON line: seconds to read the CSV and, per family,
# the survreg time (elapsed), the median of REPEATS runs.
# usage: Rscript scripts/perf/fit_r.R DATA.csv [REPEATS]
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]
repeats <- if (length(args) > 1) as.integer(args[2]) else 3
t0 <- proc.time()[["elapsed"]]
d <- read.csv(file)
read_s <- proc.time()[["elapsed"]] - t0
fams <- c("exponential", "weibull", "lognormal", "loglogistic")
out <- c()
for (f in fams) {
  times <- c()
  for (r in seq_len(repeats)) {
    t0 <- proc.time()[["elapsed"]]
    fit <- survreg(Surv(time, event) ~ 1, data = d, dist = f)
    times <- c(times, proc.time()[["elapsed"]] - t0)
  }
  out <- c(out, sprintf('"%s": %.4f', f, median(times)))
  ll <- fit$loglik[2]
  out <- c(out, sprintf('"%s_loglik": %.10g', f, ll))
}
cat(sprintf('{"tool": "R survreg", "n": %d, "read_csv_s": %.4f, %s}\n', nrow(d), read_s, paste(out, collapse = ", ")))
