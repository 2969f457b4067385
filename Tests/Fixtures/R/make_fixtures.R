# Expected values for the SurvivalStats tests (Kaplan–Meier, quantiles, landmarks,
# RMST, Nelson–Aalen, log-rank family, binomial intervals), computed by R's `survival`
# on the data sets exported by export_datasets.R. CI has no R: the output is committed.
#
# Run from Tests/Fixtures:   Rscript R/make_fixtures.R
# Writes CSV files to Tests/Fixtures/expected/. Every number is written with
# sprintf("%.17g") (round-trips a double exactly); NA is written as "NA", NaN as "NaN",
# ±Inf as "Inf"/"-Inf".
#
# Every curve is fitted one subset at a time (`~ 1` on the rows of one group), which is
# what survfit does per stratum for `~ group`; a subset is named by the group column and
# the group's value as written in the data CSV ("all" for the whole data set).
suppressMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
dir.create("expected", showWarnings = FALSE)

num <- function(x) ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.17g", x))
joinnum <- function(x) paste(num(x), collapse = ";")
write_out <- function(df, name) {
  write.csv(df, file.path("expected", name), row.names = FALSE, quote = TRUE)
}

# Data sets: time, event (TRUE = event), grouping column, landmark times, RMST taus.
# lung: status 2 = dead. Every other data set: 1 = event.
sets <- list(
  lung = list(df = read.csv("data/lung.csv"), time = "time", status = "status", ev = 2,
              group = "sex", times = c(0, 30, 100, 180, 365, 500, 730, 1000, 1100),
              taus = c(100, 365, 730, 1022, 1200)),
  veteran = list(df = read.csv("data/veteran.csv"), time = "time", status = "status", ev = 1,
                 group = "trt", times = c(0, 30, 90, 180, 365, 500, 1000),
                 taus = c(30, 100, 365, 999, 1100)),
  ovarian = list(df = read.csv("data/ovarian.csv"), time = "futime", status = "fustat", ev = 1,
                 group = "rx", times = c(100, 365, 500, 730, 1000, 1200, 1300),
                 taus = c(365, 1000, 1227, 1300)),
  rats = list(df = read.csv("data/rats.csv"), time = "time", status = "status", ev = 1,
              group = "rx", times = c(30, 50, 80, 100, 104, 110),
              taus = c(60, 90, 104, 110)),
  aml = list(df = read.csv("data/aml.csv"), time = "time", status = "status", ev = 1,
             group = "x", times = c(5, 12, 20, 30, 48, 100, 200),
             taus = c(24, 48, 161, 200))
)
ctypes <- c("plain", "log", "log-log", "logit", "arcsin")
probs <- c(0.25, 0.5, 0.75)

curves <- list(); quants <- list(); marks <- list(); means <- list()
for (name in names(sets)) {
  s <- sets[[name]]
  d <- s$df
  d$.time <- d[[s$time]]
  d$.event <- as.integer(d[[s$status]] == s$ev)
  subsets <- c(list(all = rep(TRUE, nrow(d))),
               setNames(lapply(sort(unique(d[[s$group]])), function(v) d[[s$group]] == v),
                        paste0(s$group, "=", sort(unique(d[[s$group]])))))
  for (sub in names(subsets)) {
    dd <- d[subsets[[sub]], ]
    for (ct in ctypes) {
      fit <- survfit(Surv(.time, .event) ~ 1, data = dd, conf.type = ct)
      curves[[length(curves) + 1]] <- data.frame(
        dataset = name, subset = sub, conf_type = ct,
        time = num(fit$time), n_risk = num(fit$n.risk), n_event = num(fit$n.event),
        n_censor = num(fit$n.censor), surv = num(fit$surv), std_err = num(fit$std.err),
        lower = num(fit$lower), upper = num(fit$upper), cumhaz = num(fit$cumhaz),
        std_chaz = num(fit$std.chaz))
      q <- quantile(fit, probs = probs)
      quants[[length(quants) + 1]] <- data.frame(
        dataset = name, subset = sub, conf_type = ct, prob = num(probs),
        quantile = num(unname(q$quantile)), lower = num(unname(q$lower)),
        upper = num(unname(q$upper)))
      sm <- summary(fit, times = s$times, extend = TRUE)
      marks[[length(marks) + 1]] <- data.frame(
        dataset = name, subset = sub, conf_type = ct, time = num(sm$time),
        n_risk = num(sm$n.risk), n_event = num(sm$n.event), surv = num(sm$surv),
        std_err = num(sm$std.err), lower = num(sm$lower), upper = num(sm$upper),
        cumhaz = num(sm$cumhaz))
      for (tau in s$taus) {
        tab <- summary(fit, rmean = tau)$table
        means[[length(means) + 1]] <- data.frame(
          dataset = name, subset = sub, conf_type = ct, tau = num(tau),
          rmean = num(tab[["rmean"]]), se_rmean = num(tab[["se(rmean)"]]),
          median = num(tab[["median"]]), median_lcl = num(tab[[paste0(fit$conf.int, "LCL")]]),
          median_ucl = num(tab[[paste0(fit$conf.int, "UCL")]]))
      }
    }
  }
}
write_out(do.call(rbind, curves), "km_curves.csv")
write_out(do.call(rbind, quants), "km_quantiles.csv")
write_out(do.call(rbind, marks), "km_landmarks.csv")
write_out(do.call(rbind, means), "km_rmean.csv")

# ---------------------------------------------------------------------------------------
# Log-rank family. Fleming–Harrington G(rho, gamma) written out here without `survival`
# (weights S(t-)^rho (1 - S(t-))^gamma, S the left-continuous KM of the pooled data within
# a stratum, as survdiff2.c); checked against survdiff for gamma = 0 before use.
fh_test <- function(time, event, group, strata = rep(1, length(time)), rho = 0, gamma = 0) {
  glev <- sort(unique(group)); k <- length(glev)
  O <- E <- numeric(k); V <- matrix(0, k, k)
  for (st in unique(strata)) {
    w <- strata == st
    t <- time[w]; e <- event[w]; g <- match(group[w], glev)
    ut <- sort(unique(t[e == 1]))
    S <- 1
    for (u in ut) {
      atrisk <- t >= u
      n <- sum(atrisk); dtot <- sum(e[t == u])
      wt <- S^rho * (1 - S)^gamma
      nk <- tabulate(g[atrisk], k); dk <- tabulate(g[t == u & e == 1], k)
      O <- O + wt * dk
      E <- E + wt * dtot * nk / n
      if (n > 1) {
        V <- V + wt^2 * dtot * (n - dtot) / (n - 1) * (diag(nk / n, k) - outer(nk, nk) / n^2)
      }
      S <- S * (n - dtot) / n
    }
  }
  keep <- E > 0
  z <- (O - E)[keep][-1]
  vv <- V[keep, keep][-1, -1, drop = FALSE]
  chi <- sum(solve(vv, z) * z)
  df <- sum(keep) - 1
  list(obs = O, exp = E, var = V, chisq = chi, df = df, pvalue = pchisq(chi, df, lower.tail = FALSE))
}

lung <- sets$lung$df; lung$event <- as.integer(lung$status == 2)
vet <- sets$veteran$df
rats <- sets$rats$df
ova <- sets$ovarian$df
aml <- sets$aml$df
lung_ecog <- lung[!is.na(lung$ph.ecog), ]

# case: name, data, time, event, group, strata (column names; strata may be NA)
cases <- list(
  list("lung~sex", lung, "time", "event", "sex", NA),
  list("veteran~trt", vet, "time", "status", "trt", NA),
  list("ovarian~rx", ova, "futime", "fustat", "rx", NA),
  list("rats~rx", rats, "time", "status", "rx", NA),
  list("aml~x", aml, "time", "status", "x", NA),
  list("veteran~celltype", vet, "time", "status", "celltype", NA),
  list("lung~sex+strata(ph.ecog)", lung_ecog, "time", "event", "sex", "ph.ecog"),
  list("veteran~trt+strata(celltype)", vet, "time", "status", "trt", "celltype"),
  list("rats~rx+strata(sex)", rats, "time", "status", "rx", "sex"),
  list("veteran~celltype+strata(trt)", vet, "time", "status", "celltype", "trt")
)
lr <- list()
for (cs in cases) {
  nm <- cs[[1]]; dd <- cs[[2]]
  tt <- dd[[cs[[3]]]]; ee <- dd[[cs[[4]]]]; gg <- dd[[cs[[5]]]]
  glev <- sort(unique(gg))
  gf <- factor(gg, levels = glev)
  for (rho in c(0, 0.5, 1)) {
    for (gamma in c(0, 1)) {
      if (is.na(cs[[6]])) {
        st <- rep(1, nrow(dd))
      } else {
        st <- dd[[cs[[6]]]]
      }
      mine <- fh_test(tt, ee, gg, st, rho, gamma)
      if (gamma == 0) {
        sd <- if (is.na(cs[[6]])) survdiff(Surv(tt, ee) ~ gf, rho = rho)
              else survdiff(Surv(tt, ee) ~ gf + strata(st), rho = rho)
        obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
        ex <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
        stopifnot(isTRUE(all.equal(obs, mine$obs, tolerance = 1e-12)),
                  isTRUE(all.equal(ex, mine$exp, tolerance = 1e-12)),
                  isTRUE(all.equal(unname(sd$var), mine$var, tolerance = 1e-12)),
                  isTRUE(all.equal(sd$chisq, mine$chisq, tolerance = 1e-12)))
        res <- list(obs = obs, exp = ex, var = unname(sd$var), chisq = sd$chisq,
                    df = length(glev) - 1, pvalue = sd$pvalue, source = "survdiff")
        if (sum(ex > 0) - 1 != res$df) res$df <- sum(ex > 0) - 1
      } else {
        res <- c(mine, source = "fh_test")
      }
      lr[[length(lr) + 1]] <- data.frame(
        case = nm, group_column = cs[[5]], strata_column = ifelse(is.na(cs[[6]]), "", cs[[6]]),
        groups = paste(glev, collapse = ";"), rho = num(rho), gamma = num(gamma),
        source = res$source, observed = joinnum(res$obs), expected = joinnum(res$exp),
        variance = joinnum(t(res$var)), chisq = num(res$chisq), df = res$df,
        pvalue = num(res$pvalue))
    }
  }
}
write_out(do.call(rbind, lr), "logrank.csv")

# ---------------------------------------------------------------------------------------
# Binomial intervals: Wilson = prop.test(correct = FALSE)$conf.int (and correct = TRUE),
# Clopper–Pearson = binom.test()$conf.int.
bi <- list()
for (xn in list(c(0, 10), c(1, 10), c(5, 10), c(10, 10), c(3, 101), c(47, 120), c(0, 1),
                c(1, 1), c(999, 1000), c(12, 5000), c(250, 500))) {
  for (lev in c(0.9, 0.95, 0.99)) {
    x <- xn[1]; n <- xn[2]
    w <- suppressWarnings(prop.test(x, n, conf.level = lev, correct = FALSE)$conf.int)
    wc <- suppressWarnings(prop.test(x, n, conf.level = lev, correct = TRUE)$conf.int)
    cp <- binom.test(x, n, conf.level = lev)$conf.int
    bi[[length(bi) + 1]] <- data.frame(
      x = x, n = n, level = num(lev), wilson_lower = num(w[1]), wilson_upper = num(w[2]),
      wilson_cc_lower = num(wc[1]), wilson_cc_upper = num(wc[2]),
      cp_lower = num(cp[1]), cp_upper = num(cp[2]))
  }
}
write_out(do.call(rbind, bi), "binomial.csv")

cat("R", R.version$major, R.version$minor, "survival", as.character(packageVersion("survival")), "\n",
    file = file.path("expected", "VERSIONS.txt"))
