# Reference values for `nensim analyze` options beyond make_cox_fixtures.R (CI has no R):
# factors with R's term names and level order, the group's reference level.
# Run from Tests/Fixtures:   Rscript R/make_analyze_fixtures.R
# Writes R/out-analyze/<case>.csv, columns quantity, index, value (17 significant
# digits), as make_cox_fixtures.R: name, coef, se, z, p, var, loglik, lrt, wald, score,
# iter, n, nevent.
suppressMessages(library(survival))
outdir <- file.path("R", "out-analyze")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

write_fit <- function(fit, case) {
  s <- summary(fit)
  p <- length(coef(fit))
  cf <- s$coefficients
  df <- sum(!is.na(coef(fit)))
  lrt <- 2 * (fit$loglik[2] - fit$loglik[1])
  rows <- rbind(
    data.frame(quantity = "name", index = seq_len(p), value = names(coef(fit))),
    data.frame(quantity = "coef", index = seq_len(p), value = g17(cf[, "coef"])),
    data.frame(quantity = "se", index = seq_len(p), value = g17(cf[, "se(coef)"])),
    data.frame(quantity = "z", index = seq_len(p), value = g17(cf[, "z"])),
    data.frame(quantity = "p", index = seq_len(p), value = g17(cf[, "Pr(>|z|)"])),
    data.frame(quantity = "var", index = seq_len(p * p), value = g17(as.vector(t(fit$var)))),
    data.frame(quantity = "loglik", index = 1:2, value = g17(fit$loglik)),
    data.frame(quantity = "lrt", index = 1:3, value = g17(c(lrt, df, pchisq(lrt, df, lower.tail = FALSE)))),
    data.frame(quantity = "wald", index = 1:3, value = g17(c(fit$wald.test, df, pchisq(fit$wald.test, df, lower.tail = FALSE)))),
    data.frame(quantity = "score", index = 1:3, value = g17(c(fit$score, df, pchisq(fit$score, df, lower.tail = FALSE)))),
    data.frame(quantity = "iter", index = 1, value = g17(fit$iter)),
    data.frame(quantity = "n", index = 1, value = g17(fit$n)),
    data.frame(quantity = "nevent", index = 1, value = g17(fit$nevent))
  )
  write.csv(rows, file.path(outdir, paste0(case, ".csv")), row.names = FALSE, quote = TRUE)
}

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
writeLines(paste("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival"))),
           file.path(outdir, "VERSIONS.txt"))
