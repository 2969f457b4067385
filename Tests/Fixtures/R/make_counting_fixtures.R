# Reference values for counting-process ((start, stop]) data in `nensim analyze --start`
# (CI has no R). Run from Tests/Fixtures:   Rscript R/make_counting_fixtures.R
# Data: data/heart.csv (survival's `heart`, the jasa1 counting-process form of the
# Stanford heart transplant data) and data/lung_entry.csv (lung with a delayed entry
# `entry` = (row mod 4) * floor(time / 5), so 0 ≤ entry < time).
# Writes R/out-counting/<case>.csv: Cox fits as make_analyze_fixtures.R (quantity,
# index, value); Kaplan–Meier curves as group,time,n_risk,n_event,n_censor,surv,std_err,lower,upper.
suppressMessages(library(survival))
outdir <- file.path("R", "out-counting")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
source(file.path("R", "cox_fixture_output.R"))   # g17, write_fit

write_km <- function(km, case) {
  groups <- if (is.null(km$strata)) rep("", length(km$time)) else rep(sub("^[^=]*=", "", names(km$strata)), km$strata)
  out <- data.frame(group = groups, time = g17(km$time), n_risk = g17(km$n.risk), n_event = g17(km$n.event),
                    n_censor = g17(km$n.censor), surv = g17(km$surv), std_err = g17(km$std.err),
                    lower = g17(km$lower), upper = g17(km$upper))
  write.csv(out, file.path(outdir, paste0(case, "_km.csv")), row.names = FALSE)
  # quantiles and RMST per group (print(fit, rmean = tau)), tau = 300 (heart) / 500 (lung)
  q <- quantile(km, c(0.25, 0.5, 0.75))
  tab <- summary(km, rmean = if (grepl("heart", case)) 300 else 500)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  gq <- if (is.null(km$strata)) "" else sub("^[^=]*=", "", names(km$strata))
  qs <- data.frame(group = gq,
                   q25 = g17(q$quantile[, 1]), q50 = g17(q$quantile[, 2]), q75 = g17(q$quantile[, 3]),
                   lower50 = g17(q$lower[, 2]), upper50 = g17(q$upper[, 2]),
                   rmean = g17(tab[, "rmean"]), se_rmean = g17(tab[, "se(rmean)"]))
  if (is.null(km$strata)) qs <- qs[1, ]
  write.csv(qs, file.path(outdir, paste0(case, "_summary.csv")), row.names = FALSE)
}

heart <- survival::heart
write.csv(heart, "data/heart.csv", row.names = FALSE, na = "", quote = TRUE)
lung <- read.csv("data/lung.csv")
lung$entry <- (seq_len(nrow(lung)) %% 4) * floor(lung$time / 5)
write.csv(lung, "data/lung_entry.csv", row.names = FALSE, na = "")
lung$status <- as.integer(lung$status == 2)

# heart: nensim analyze heart.csv --start start --time stop --event event --group transplant --covariates age,year,surgery
for (ties in c("efron", "breslow")) {
  write_fit(coxph(Surv(start, stop, event) ~ factor(transplant) + age + year + surgery, heart, ties = ties), paste0("heart_", ties))
  # --cluster id: the robust variance over each patient's records
  write_fit(coxph(Surv(start, stop, event) ~ factor(transplant) + age + year + surgery, heart, ties = ties, cluster = id),
            paste0("heart_cluster_", ties))
  # lung with delayed entry, --group sex --covariates age,ph.ecog [--strata inst is not used: few events per inst]
  write_fit(coxph(Surv(entry, time, status) ~ factor(sex) + age + ph.ecog, lung, ties = ties), paste0("lung_entry_", ties))
  # --weights inst (integer case weights) with delayed entry
  write_fit(coxph(Surv(entry, time, status) ~ factor(sex) + age, lung, ties = ties, weights = inst), paste0("lung_entry_weights_", ties))
}
# --strata surgery on heart
write_fit(coxph(Surv(start, stop, event) ~ factor(transplant) + age + strata(surgery), heart), "heart_strata_efron")
write_km(survfit(Surv(start, stop, event) ~ transplant, heart), "heart")
write_km(survfit(Surv(entry, time, status) ~ sex, lung), "lung_entry")
# survdiff refuses counting-process data: record R's message
msg <- tryCatch({ survdiff(Surv(start, stop, event) ~ transplant, heart); "no error" }, error = function(e) conditionMessage(e))
writeLines(c("quantity,value", paste0("survdiff_error,", msg)), file.path(outdir, "survdiff.csv"))
writeLines(paste("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival"))),
           file.path(outdir, "VERSIONS.txt"))
