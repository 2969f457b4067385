#!/usr/bin/env Rscript
# The replicate loop of `nensim trial --arms sunitinib,placebo --n 171 --replicates R`
# (defaults: 1:1 in permuted blocks of 4, uniform accrual 24 months, analysis 12 months
# after accrual ends, no dropout, PFS, log-rank at two-sided alpha 0.05, Cox HR with
# Efron ties, KM medians), written the way an R user would: data generated vectorised
# per replicate, then survival::coxph, survival::survdiff and survival::survfit.
#
# The model is nensim's calibrated one (see `nensim arms sunitinib` / `placebo`):
#   sunitinib: PFS exponential, median 11 months; ORR 0.05 with response/PFS Frechet
#              coupling 0.5 (three uniforms per patient); PPS exponential, median 30
#   placebo:   PFS exponential, median 5 months; PPS exponential, median 30
# Random numbers differ from nensim's (R's Mersenne Twister), so the statistics agree
# only within Monte Carlo error; the work per replicate is the same.
#
# Usage: Rscript scripts/perf/trial_r.R [REPLICATES=500] [SEED=1]
# Prints the elapsed and CPU time of the loop, per replicate, and extrapolated to 10 000.
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = TRUE)
R <- if (length(args) >= 1) as.integer(args[1]) else 500L
seed <- if (length(args) >= 2) as.integer(args[2]) else 1L
set.seed(seed)

n <- 171L; accrual <- 24; follow_up <- 12; alpha <- 0.05
analysis_time <- accrual + follow_up
pfs_median <- c(placebo = 5, sunitinib = 11)
pps_rate <- log(2) / 30
orr <- 0.05; coupling <- 0.5

one_trial <- function() {
  entry <- sort(runif(n)) * accrual
  blocks <- ceiling(n / 4)
  arm <- as.vector(replicate(blocks, sample(c(0L, 0L, 1L, 1L))))[seq_len(n)]  # 1 = sunitinib
  # PFS rank: sunitinib couples it to the response draw (Frechet mixture), placebo draws it.
  ur <- runif(n); um <- runif(n); v0 <- runif(n)
  v <- ifelse(arm == 1L & um < coupling, ur, v0)
  med <- ifelse(arm == 1L, pfs_median["sunitinib"], pfs_median["placebo"])
  pfs <- -log(v) * med / log(2)
  os <- pfs + rexp(n, pps_rate)                 # drawn as nensim does; PFS is analysed
  limit <- analysis_time - entry
  time <- pmin(pfs, limit)
  status <- as.integer(pfs <= limit)
  fit <- coxph(Surv(time, status) ~ arm)          # Efron ties (R's default)
  lr <- survdiff(Surv(time, status) ~ arm)
  km <- survfit(Surv(time, status) ~ arm)
  med_km <- summary(km)$table[, "median"]
  ci <- exp(confint(fit, level = 1 - alpha))
  c(hr = unname(exp(coef(fit))), lower = ci[1], upper = ci[2],
    p = 1 - pchisq(lr$chisq, 1), o_minus_e = unname(lr$obs[2] - lr$exp[2]),
    events = sum(status), median_placebo = unname(med_km[1]), median_sunitinib = unname(med_km[2]))
}

t0 <- proc.time()
res <- t(vapply(seq_len(R), function(i) one_trial(), numeric(8)))
spent <- proc.time() - t0
elapsed <- spent[["elapsed"]]
cpu <- spent[["user.self"]] + spent[["sys.self"]]

power <- mean(res[, "p"] < alpha)
cat(sprintf("R %s, survival %s: %d replicates of n = %d in %.2f s (%.2f ms per replicate)\n",
            getRversion(), packageVersion("survival"), R, n, elapsed, 1000 * elapsed / R))
cat(sprintf("CPU time of the loop %.2f s (%.2f ms per replicate)\n", cpu, 1000 * cpu / R))
cat(sprintf("extrapolated to 10000 replicates: %.1f s wall, %.1f s CPU\n", elapsed / R * 10000, cpu / R * 10000))
cat(sprintf("power (two-sided log-rank, alpha %.2f): %.4f (MC SE %.4f)\n", alpha, power, sqrt(power * (1 - power) / R)))
cat(sprintf("HR median %.3f, 2.5%% %.3f, 97.5%% %.3f; mean events %.1f; mean KM medians placebo %.2f, sunitinib %.2f\n",
            median(res[, "hr"]), quantile(res[, "hr"], 0.025), quantile(res[, "hr"], 0.975), mean(res[, "events"]),
            mean(res[, "median_placebo"], na.rm = TRUE), mean(res[, "median_sunitinib"], na.rm = TRUE)))
