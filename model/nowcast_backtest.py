"""Does the nowcast interval keep its promise? Leave-one-year-out on the monthly history.

Each year of the history is held out in turn: the pattern is estimated on the
other years, every enterprise and park remainder of the held-out year is
nowcast from its cumulative figure at month ``m`` (1-11), and the true
December figure is checked against the nominal 80 % and 95 % intervals.
Coverage is the share of (unit, year) pairs inside. Units of one year share
its year effect, so coverage moves by year: it is reported with the years.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from .panel import Panel
from .dispatch import Dispatch
from .seasonality import estimate_pattern, share_matrix, year_draws

__all__ = ["backtest_nowcast"]


def backtest_nowcast(history: Dispatch, panel: Panel, months: tuple[int, ...] = (3, 6, 9)) -> dict:
    """Interval coverage of the nowcast, held-out year by held-out year.

    Parameters
    ----------
    history : Dispatch
        Whole years of monthly figures (at least three years).
    panel : Panel
    months : tuple of int
        Reporting months to score.

    Returns
    -------
    dict
        ``{"years": [...], "by_month": {m: {"cover80", "cover95", "mean_abs_log_error", "n"}}, "source"}``.
    """
    years = history.years
    rng = np.random.default_rng(np.random.SeedSequence(20140630))
    hits = {m: {"80": [], "95": [], "err": []} for m in months}
    for held in years:
        train = replace(history, rows=history.rows[history.rows["year"] != held].reset_index(drop=True))
        pattern = estimate_pattern(train, panel)
        test = replace(history, rows=history.rows[history.rows["year"] == held].reset_index(drop=True))
        for kind in ("enterprise", "remainder"):
            logs, _, _ = share_matrix(test, panel, kind)
            p = pattern.kinds[kind]
            for m in months:
                # log A_hat - log A = -(log share - mean): the error of the nowcast is the share's surprise,
                # scored against the quantiles of the law the run draws from (t year effect + normal own part).
                err = logs[:, m - 1] - p.mean[m - 1]
                year_sd, own_sd = p.scales(m)
                law = year_sd * year_draws(rng, p.n_years, 20000) + own_sd * rng.standard_normal(20000)
                for level in ("80", "95"):
                    hits[m][level] += list(np.abs(err) <= np.quantile(np.abs(law), int(level) / 100))
                hits[m]["err"] += list(np.abs(err))
    by_month = {m: {"cover80": float(np.mean(h["80"])), "cover95": float(np.mean(h["95"])), "mean_abs_log_error": float(np.mean(h["err"])), "n": len(h["err"])}
                for m, h in hits.items()}
    return {"years": years, "by_month": by_month, "source": history.label, "illustrative": history.illustrative}
