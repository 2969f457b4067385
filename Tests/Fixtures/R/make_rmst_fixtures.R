# Reference values for the RMST-difference test (Tests/SurvivalStatsTests/RMSTTestTests.swift;
# CI has no R). Run from Tests/Fixtures:
#   Rscript R/make_rmst_fixtures.R
# Reads the data sets of make_nph_fixtures.R (R/out-nph/data_<case>.csv: time, event,
# group; group 1 experimental) and writes R/out-rmst/rmst.csv (case, tau, quantity,
# value; 17 digits): each group's restricted mean and its SE as
# print(survfit(Surv(time, event) ~ group), rmean = tau) computes them
# (summary(fit, rmean = tau)$table, columns rmean and se(rmean)), the difference
# group 1 - group 0, its SE sqrt(se0^2 + se1^2), z and the one- and two-sided normal p.
suppressMessages(library(survival))
outdir <- file.path("R", "out-rmst")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)
rows <- list()
for (id in c("delayed", "ph", "crossing")) {
  d <- read.csv(file.path("R", "out-nph", paste0("data_", id, ".csv")))
  for (tau in c(6, 12, 24)) {
    fit <- survfit(Surv(time, event) ~ group, data = d)
    tab <- summary(fit, rmean = tau)$table
    m0 <- tab[1, "rmean"]; s0 <- tab[1, "se(rmean)"]
    m1 <- tab[2, "rmean"]; s1 <- tab[2, "se(rmean)"]
    diff <- m1 - m0; se <- sqrt(s0^2 + s1^2); z <- diff / se
    q <- c(rmst0 = m0, se0 = s0, rmst1 = m1, se1 = s1, difference = diff, se = se, z = z,
           p_one_sided = pnorm(-z), p_two_sided = 2 * pnorm(-abs(z)))
    for (k in names(q)) rows[[length(rows) + 1]] <- data.frame(case = id, tau = tau, quantity = k, value = g17(q[[k]]))
  }
}
write.csv(do.call(rbind, rows), file.path(outdir, "rmst.csv"), row.names = FALSE, quote = FALSE)
writeLines(paste("R", paste(R.version$major, R.version$minor, sep = "."), "survival", packageVersion("survival")),
           file.path(outdir, "VERSIONS.txt"))
