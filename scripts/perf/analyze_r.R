# The `analyze` benchmark job in R, as a whole process (docs/PERFORMANCE.md, "Whole
# commands"): data.table::fread (R's fastest reader; read.csv with READER=read.csv),
# survfit + quantile (medians with CIs), survdiff, coxph(ties = "efron").
# usage: Rscript analyze_r.R FILE.csv
suppressPackageStartupMessages(library(survival))
f <- commandArgs(trailingOnly = TRUE)[1]
d <- if (Sys.getenv("READER") == "read.csv") read.csv(f) else as.data.frame(data.table::fread(f))
fit <- survfit(Surv(time, event) ~ arm, data = d)
q <- quantile(fit, 0.5)
lr <- survdiff(Surv(time, event) ~ arm, data = d)
cx <- coxph(Surv(time, event) ~ arm, data = d, ties = "efron")
cat(q$quantile, lr$chisq, coef(cx), "\n")
