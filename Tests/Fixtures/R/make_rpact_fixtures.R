# Group-sequential boundaries and sample sizes from rpact, the reference values of
# Tests/SurvivalStatsTests/SequentialTests.swift (CI has no R).
# Run from Tests/Fixtures:   Rscript R/make_rpact_fixtures.R
# Writes R/out-rpact/designs.csv (one row per design case: its parameters) and
# R/out-rpact/boundaries.csv (long form: case, quantity, index, value; 17 digits):
#
#   critical        efficacy bound per look (z scale; two-sided: the upper of +-c)
#   futility        non-binding futility bound per look 1..K-1 (one-sided designs)
#   drift           the design's drift: E[Z at information fraction 1] under H1,
#                   sqrt(shift) of getDesignCharacteristics (power 1 - beta)
#   alpha_spent     cumulative alpha spent per look
#   exit_upper_h0   P(first crossing is the efficacy bound at look k) under H0, the
#                   futility bounds ignored (non-binding: how alpha is spent)
#   exit_upper_h1   the same under H1 (drift), futility bounds honoured
#   exit_lower_h1   P(stop for futility at look k) under H1 (one-sided with futility);
#                   for two-sided designs P(cross -c at look k)
#   exit_lower_h0   the same under H0 (futility honoured); two-sided: crossing -c
#   exit_upper_h0f  efficacy crossings under H0 with the futility bounds honoured
#
# and R/out-rpact/samplesize.csv: getSampleSizeSurvival for exponential arms
# (Schoenfeld events, subjects for uniform accrual and fixed follow-up, no dropout).
suppressMessages(library(rpact))
outdir <- file.path("R", "out-rpact")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

cases <- list(
  list(id = "obf1", sided = 1, alpha = 0.025, beta = 0.1, design = "asOF", gamma = NA, bs = "none", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "poc1", sided = 1, alpha = 0.025, beta = 0.1, design = "asP", gamma = NA, bs = "none", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "hsd1", sided = 1, alpha = 0.025, beta = 0.1, design = "asHSD", gamma = -4, bs = "none", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "obf1f", sided = 1, alpha = 0.025, beta = 0.1, design = "asOF", gamma = NA, bs = "bsOF", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "poc1f", sided = 1, alpha = 0.025, beta = 0.1, design = "asP", gamma = NA, bs = "bsP", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "hsd1f", sided = 1, alpha = 0.025, beta = 0.1, design = "asHSD", gamma = -4, bs = "bsHSD", bgamma = -2, rates = c(0.5, 0.75, 1)),
  list(id = "obf2", sided = 2, alpha = 0.05, beta = 0.1, design = "asOF", gamma = NA, bs = "none", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "poc2", sided = 2, alpha = 0.05, beta = 0.1, design = "asP", gamma = NA, bs = "none", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "hsd2", sided = 2, alpha = 0.05, beta = 0.1, design = "asHSD", gamma = -4, bs = "none", bgamma = NA, rates = c(0.5, 0.75, 1)),
  list(id = "obf4f", sided = 1, alpha = 0.025, beta = 0.2, design = "asOF", gamma = NA, bs = "bsHSD", bgamma = 1, rates = c(0.3, 0.6, 0.8, 1)),
  list(id = "hsd4", sided = 1, alpha = 0.05, beta = 0.2, design = "asHSD", gamma = 1, bs = "none", bgamma = NA, rates = c(0.25, 0.5, 0.75, 1))
)

probs <- function(lower, upper, rates, drift) {
  m <- rbind(lower, upper) - rbind(sqrt(rates), sqrt(rates)) * drift
  p <- getGroupSequentialProbabilities(m, rates)
  list(lower = p[1, ], upper = p[3, ] - p[2, ])
}

designs <- NULL
rows <- NULL
add <- function(id, q, v) rows <<- rbind(rows, data.frame(case = id, quantity = q, index = seq_along(v), value = g17(v)))
for (c in cases) {
  args <- list(kMax = length(c$rates), alpha = c$alpha, beta = c$beta, sided = c$sided,
               typeOfDesign = c$design, informationRates = c$rates)
  if (!is.na(c$gamma)) args$gammaA <- c$gamma
  if (c$bs != "none") { args$typeBetaSpending <- c$bs; if (!is.na(c$bgamma)) args$gammaB <- c$bgamma }
  d <- do.call(getDesignGroupSequential, args)
  ch <- getDesignCharacteristics(d)
  drift <- sqrt(ch$shift)
  K <- length(c$rates)
  crit <- d$criticalValues
  add(c$id, "critical", crit)
  add(c$id, "drift", drift)
  add(c$id, "alpha_spent", d$alphaSpent)
  if (c$sided == 1) {
    none <- rep(-8, K)
    h0 <- probs(none, crit, c$rates, 0)
    add(c$id, "exit_upper_h0", h0$upper)
    if (c$bs != "none") {
      fut <- c(d$futilityBounds, crit[K])
      add(c$id, "futility", d$futilityBounds)
      h1 <- probs(fut, crit, c$rates, drift)
      h0f <- probs(fut, crit, c$rates, 0)
      add(c$id, "exit_upper_h1", h1$upper); add(c$id, "exit_lower_h1", h1$lower)
      add(c$id, "exit_upper_h0f", h0f$upper); add(c$id, "exit_lower_h0", h0f$lower)
    } else {
      h1 <- probs(none, crit, c$rates, drift)
      add(c$id, "exit_upper_h1", h1$upper)
    }
  } else {
    h0 <- probs(-crit, crit, c$rates, 0)
    h1 <- probs(-crit, crit, c$rates, drift)
    add(c$id, "exit_upper_h0", h0$upper); add(c$id, "exit_lower_h0", h0$lower)
    add(c$id, "exit_upper_h1", h1$upper); add(c$id, "exit_lower_h1", h1$lower)
  }
  designs <- rbind(designs, data.frame(case = c$id, sided = c$sided, alpha = c$alpha, beta = c$beta,
    spending = c$design, gamma = ifelse(is.na(c$gamma), "NA", g17(c$gamma)),
    beta_spending = c$bs, beta_gamma = ifelse(is.na(c$bgamma), "NA", g17(c$bgamma)),
    rates = paste(g17(c$rates), collapse = ";")))
}
write.csv(designs, file.path(outdir, "designs.csv"), row.names = FALSE, quote = FALSE)
write.csv(rows, file.path(outdir, "boundaries.csv"), row.names = FALSE, quote = FALSE)

# Sample size, exponential arms: median control m0, hazard ratio hr, uniform accrual
# over A months, follow-up F months after accrual, allocation r:1, fixed design or a
# group-sequential one.
ss <- list(
  list(id = "fixed_hr07", m0 = 12, hr = 0.7, A = 24, F = 12, r = 1, alpha = 0.025, beta = 0.1, sided = 1, design = "none"),
  list(id = "fixed_hr05_2to1", m0 = 6, hr = 0.5, A = 18, F = 6, r = 2, alpha = 0.025, beta = 0.2, sided = 1, design = "none"),
  list(id = "fixed_two_sided", m0 = 4.6, hr = 0.42, A = 24, F = 12, r = 1, alpha = 0.05, beta = 0.1, sided = 2, design = "none"),
  list(id = "obf3_hr07", m0 = 12, hr = 0.7, A = 24, F = 12, r = 1, alpha = 0.025, beta = 0.1, sided = 1, design = "asOF")
)
srows <- NULL
for (s in ss) {
  if (s$design == "none") {
    d <- getDesignGroupSequential(kMax = 1, alpha = s$alpha, beta = s$beta, sided = s$sided)
  } else {
    d <- getDesignGroupSequential(kMax = 3, alpha = s$alpha, beta = s$beta, sided = s$sided,
                                  typeOfDesign = s$design, informationRates = c(0.5, 0.75, 1))
  }
  r <- getSampleSizeSurvival(d, lambda2 = log(2) / s$m0, hazardRatio = s$hr, accrualTime = c(0, s$A),
                             followUpTime = s$F, allocationRatioPlanned = s$r)
  srows <- rbind(srows, data.frame(case = s$id, median_control = g17(s$m0), hazard_ratio = g17(s$hr),
    accrual = g17(s$A), follow_up = g17(s$F), ratio = s$r, alpha = g17(s$alpha), beta = g17(s$beta),
    sided = s$sided, design = s$design, events = g17(r$maxNumberOfEvents),
    subjects = g17(r$maxNumberOfSubjects), events_fixed = g17(r$eventsFixed)))
}
write.csv(srows, file.path(outdir, "samplesize.csv"), row.names = FALSE, quote = FALSE)
writeLines(sprintf("R %s rpact %s", getRversion(), packageVersion("rpact")), file.path(outdir, "VERSIONS.txt"))
