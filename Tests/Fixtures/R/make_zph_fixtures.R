# Reference values for `nensim analyze --ph-test` (R's cox.zph, survival >= 3.0; CI has no R).
# Run from Tests/Fixtures:   Rscript R/make_zph_fixtures.R
# Writes R/out-zph/<case>_table.csv (term, chisq, df, p: cox.zph(fit, transform)$table,
# terms as R groups them) and <case>_resid.csv (time, x = g(time), one column per
# coefficient of cox.zph(fit, transform, terms = FALSE)$y: the scaled Schoenfeld residuals).
suppressMessages(library(survival))
outdir <- file.path("R", "out-zph")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
g17 <- function(x) sprintf("%.17g", x)

write_zph <- function(fit, case, transform) {
  z <- cox.zph(fit, transform = transform)
  tab <- z$table
  write.csv(data.frame(term = rownames(tab), chisq = g17(tab[, "chisq"]), df = g17(tab[, "df"]), p = g17(tab[, "p"])),
            file.path(outdir, paste0(case, "_", transform, "_table.csv")), row.names = FALSE)
  z1 <- cox.zph(fit, transform = transform, terms = FALSE)
  y <- z1$y
  out <- data.frame(time = g17(z1$time), x = g17(z1$x))
  for (j in seq_len(ncol(y))) out[[colnames(y)[j]]] <- g17(y[, j])
  write.csv(out, file.path(outdir, paste0(case, "_", transform, "_resid.csv")), row.names = FALSE)
}

lung <- read.csv("data/lung.csv"); lung$status <- as.integer(lung$status == 2); lung$sex <- factor(lung$sex)
veteran <- read.csv("data/veteran.csv"); veteran$trt <- factor(veteran$trt)
ovarian <- read.csv("data/ovarian.csv")
lw <- read.csv("data/lung_weights.csv"); lw$status <- as.integer(lw$status == 2); lw$sex <- factor(lw$sex)
# survival 3.5-3 cox.zph stops on an integer weight column ("REAL() can only be applied to a
# 'numeric', not a 'integer'"): the same weights as doubles.
lw$inst <- as.numeric(lw$inst)
heart <- read.csv("data/heart.csv"); heart$transplant <- factor(heart$transplant)

for (tr in c("km", "identity", "rank", "log")) {
  for (ties in c("efron", "breslow")) {
    # nensim analyze lung.csv --group sex --covariates age,ph.ecog
    write_zph(coxph(Surv(time, status) ~ sex + age + ph.ecog, lung, ties = ties), paste0("lung_", ties), tr)
    # veteran.csv --group trt --covariates celltype,karno: celltype is one term of 3 df
    write_zph(coxph(Surv(time, status) ~ trt + celltype + karno, veteran, ties = ties), paste0("veteran_", ties), tr)
    # ovarian.csv --covariates age,rx
    write_zph(coxph(Surv(futime, fustat) ~ age + rx, ovarian, ties = ties), paste0("ovarian_", ties), tr)
  }
}
for (ties in c("efron", "breslow")) {
  # --weights inst (integer) and w (non-integer)
  write_zph(coxph(Surv(time, status) ~ sex + age, lw, weights = inst, ties = ties), paste0("lung_weights_inst_", ties), "km")
  write_zph(coxph(Surv(time, status) ~ sex + age, lw, weights = w, ties = ties), paste0("lung_weights_w_", ties), "km")
  # --strata trt on veteran
  write_zph(coxph(Surv(time, status) ~ celltype + karno + strata(trt), veteran, ties = ties), paste0("veteran_strata_", ties), "km")
  # (start, stop] data: heart
  write_zph(coxph(Surv(start, stop, event) ~ transplant + age + year + surgery, heart, ties = ties), paste0("heart_", ties), "km")
  write_zph(coxph(Surv(start, stop, event) ~ transplant + age + year + surgery, heart, ties = ties), paste0("heart_", ties), "rank")
}
writeLines(paste("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival"))),
           file.path(outdir, "VERSIONS.txt"))
