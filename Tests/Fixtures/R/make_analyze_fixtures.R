# Reference values for `nensim analyze` options beyond make_cox_fixtures.R (CI has no R):
# factors with R's term names and level order, the group's reference level.
# Run from Tests/Fixtures:   Rscript R/make_analyze_fixtures.R
# Writes R/out-analyze/<case>.csv, columns quantity, index, value (17 significant
# digits), as make_cox_fixtures.R: name, coef, se, z, p, var, loglik, lrt, wald, score,
# iter, n, nevent.
suppressMessages(library(survival))
outdir <- file.path("R", "out-analyze")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
source(file.path("R", "cox_fixture_output.R"))   # g17, write_fit

veteran <- read.csv("data/veteran.csv")   # celltype is character: coxph makes it a factor, levels sorted
lung <- read.csv("data/lung.csv")
lung$status <- as.integer(lung$status == 2)

# A text covariate: R's levels sorted (adeno, large, smallcell, squamous), terms celltypelarge, …
write_fit(coxph(Surv(time, status) ~ trt + celltype + karno, veteran), "veteran_celltype")
# --levels celltype=squamous,smallcell,adeno,large
v2 <- veteran
v2$celltype <- factor(v2$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
write_fit(coxph(Surv(time, status) ~ trt + celltype + karno, v2), "veteran_celltype_levels")
# --factor ph.ecog: a numeric column as a factor (levels 0, 1, 2, 3; terms ph.ecog1, …)
l2 <- lung
l2$ph.ecog <- factor(l2$ph.ecog)
write_fit(coxph(Surv(time, status) ~ age + ph.ecog, l2), "lung_factor_ecog")
# --group celltype --reference squamous: relevel(), the other levels in R's order
v3 <- veteran
v3$celltype <- relevel(factor(v3$celltype), ref = "squamous")
write_fit(coxph(Surv(time, status) ~ celltype, v3), "veteran_group_reference")
# --weights: case weights. lung_weights.csv is lung with w = (inst mod 5 + 1) / 4
# (non-integer; NA where inst is NA); inst itself serves as integer weights.
lw <- read.csv("data/lung.csv")
lw$w <- (lw$inst %% 5 + 1) / 4
write.csv(lw, "data/lung_weights.csv", row.names = FALSE, na = "")
lw$status <- as.integer(lw$status == 2)
for (wcol in c("inst", "w")) {
  for (ties in c("efron", "breslow")) {
    write_fit(coxph(Surv(time, status) ~ sex + age, lw, weights = lw[[wcol]], ties = ties),
              paste0("lung_weights_", wcol, "_", ties))
  }
  # Kaplan-Meier with Greenwood's variance on weighted counts: R's default for integer
  # weights; for non-integer weights R defaults to the robust (infinitesimal jackknife)
  # variance, and robust = FALSE gives this one.
  km <- survfit(Surv(time, status) ~ sex, lw, weights = lw[[wcol]], robust = FALSE)
  sm <- summary(km, censored = TRUE)
  out <- data.frame(group = sub("sex=", "", as.character(sm$strata)), time = g17(sm$time), n_risk = g17(sm$n.risk),
                    n_event = g17(sm$n.event), surv = g17(sm$surv), std_err = g17(km$std.err[km$n.risk > 0][seq_along(sm$time)]))
  write.csv(out, file.path(outdir, paste0("lung_weights_", wcol, "_km.csv")), row.names = FALSE)
}
# --cluster inst: coxph(…, cluster = inst), the robust sandwich variance; --robust without a cluster.
for (ties in c("efron", "breslow")) {
  write_fit(coxph(Surv(time, status) ~ sex + age, lw, cluster = inst, ties = ties), paste0("lung_cluster_inst_", ties))
}
ovarian <- read.csv("data/ovarian.csv")
write_fit(coxph(Surv(futime, fustat) ~ age + rx, ovarian, robust = TRUE), "ovarian_robust")
# Log-rank with integer weights = survdiff of the records repeated w times (survdiff has no weights).
li <- lw[!is.na(lw$inst), ]
rep_rows <- li[rep(seq_len(nrow(li)), li$inst), ]
sd <- survdiff(Surv(time, status) ~ sex, rep_rows)
writeLines(c("quantity,value", paste0("chisq,", g17(sd$chisq)), paste0("observed1,", g17(sd$obs[1])), paste0("expected1,", g17(sd$exp[1]))),
           file.path(outdir, "lung_weights_inst_logrank.csv"))
writeLines(paste("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival"))),
           file.path(outdir, "VERSIONS.txt"))
