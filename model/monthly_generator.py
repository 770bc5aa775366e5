"""Seeded generator of the illustrative monthly dispatch tables (月调度表).

Built on the illustrative annual panel of :mod:`model.generator`, so the two
agree exactly: in the monthly history (2010-2013) every enterprise's and park's
December cumulative figure is its annual value in ``revenue.csv``, and a park's
month is the sum of its member firms' months and its remainder's. The 2014
January-June table continues the panel by one illustrative year (2014 growth
drawn like the panel's), with 本月 and 同比 consistent with the history.

Within a year, an entity's monthly revenue is its annual value times weights
``MONTH_WEIGHTS × exp(tilt × t_m + noise)``, normalised to one, where ``t_m``
runs from -1 (January) to +1 (December): the tilt between the halves of the year
is common to every entity in a year (``MONTHLY_TILT_YEAR_SD``) plus a
persistent part per entity; the noise is per entity and month. Everything here
is an assumption made to look plausible, flagged ``synthetic``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import generator_spec as S

__all__ = ["generate_monthly", "MONTHLY_SOURCE", "MONTHLY_FILES"]

MONTHLY_SOURCE = "illustrative: model.monthly_generator"
#: File name (under the dataset's ``monthly/`` folder) -> table key.
MONTHLY_FILES = {"history.csv": "history", f"{S.MONTHLY_YEAR}-{S.MONTHLY_LAST_MONTH:02d}.csv": "current"}
_T = (np.arange(12) - 5.5) / 5.5


def generate_monthly(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The monthly history and the current-year January-June table.

    Parameters
    ----------
    tables : dict of pandas.DataFrame
        The annual tables of :func:`model.generator.generate`.
    seed : int
        The annual generator's seed; the monthly stream is its child ``spawn_key=(16,)``.

    Returns
    -------
    dict of pandas.DataFrame
        ``history`` (亿元, 2010-2013, months 1-12) and ``current`` (万元, 2014, months 1-6).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(16,)))
    annual = tables["revenue"].pivot(index="entity", columns="year", values="value")
    ents = tables["enterprises"].set_index("id")
    parks = list(tables["parks"]["id"])
    firms = [e for e in ents.index if e in annual.index]
    years = list(S.MONTHLY_HISTORY_YEARS) + [S.MONTHLY_YEAR]
    year_tilt = rng.normal(0.0, S.MONTHLY_TILT_YEAR_SD, len(years))
    firm_tilt = dict(zip(firms, rng.normal(0.0, S.MONTHLY_TILT_ENTITY_SD, len(firms))))
    truth = _truth_2014(rng, annual, ents, firms, parks)
    monthly: dict[tuple[str, int], np.ndarray] = {}  # (entity, year) -> 12 monthly values (亿元)
    for k, year in enumerate(years):
        level = annual[year] if year in annual.columns else truth
        for e in firms:
            if np.isfinite(level.get(e, np.nan)):
                monthly[(e, year)] = level[e] * _weights(rng, year_tilt[k] + firm_tilt[e], S.MONTHLY_NOISE_SD["enterprise"])
        for p in parks:
            members = [e for e in firms if ents.at[e, "park"] == p and (e, year) in monthly]
            rest = max(float(level[p]) - sum(float(level[e]) for e in members), 0.0)
            months = rest * _weights(rng, year_tilt[k], S.MONTHLY_NOISE_SD["remainder"])
            monthly[(p, year)] = months + sum((monthly[(e, year)] for e in members), np.zeros(12))
    return {"history": _history(monthly, annual, firms + parks), "current": _current(monthly, firms + parks)}


def _weights(rng: np.random.Generator, tilt: float, noise: float) -> np.ndarray:
    w = np.asarray(S.MONTH_WEIGHTS) * np.exp(tilt * _T + rng.normal(0.0, noise, 12))
    return w / w.sum()


def _truth_2014(rng: np.random.Generator, annual: pd.DataFrame, ents: pd.DataFrame, firms: list[str], parks: list[str]) -> pd.Series:
    """Illustrative 2014 annual values: firms grow like the panel; each park's remainder at the province rate."""
    last = annual[S.MONTHLY_YEAR - 1]
    out = {}
    for e in firms:
        v = last.get(e, np.nan)
        if np.isfinite(v):
            sd = S.MONTHLY_2014_FIRM_SD * max(v, 1.0) ** -0.15
            out[e] = v * np.exp(S.MONTHLY_2014_LOG_GROWTH + np.clip(rng.normal(0.0, sd), -1.0, 1.0))
    for p in parks:
        members = [e for e in firms if ents.at[e, "park"] == p and e in out]
        rest = max(float(last[p]) - sum(float(last[e]) for e in members), 0.0)
        out[p] = rest * np.exp(S.MONTHLY_2014_LOG_GROWTH + rng.normal(0.0, S.MONTHLY_2014_REMAINDER_SD)) + sum(out[e] for e in members)
    return pd.Series(out)


def _history(monthly: dict, annual: pd.DataFrame, entities: list[str]) -> pd.DataFrame:
    rows = []
    for e in entities:
        for year in S.MONTHLY_HISTORY_YEARS:
            if (e, year) not in monthly:
                continue
            cum = np.round(np.cumsum(monthly[(e, year)]), 4)
            cum[-1] = annual.at[e, year]  # December's cumulative figure is the annual value, exactly
            rows += [[e, year, m + 1, f"{cum[m]:.4f}", "亿元", "synthetic", MONTHLY_SOURCE] for m in range(12)]
    return pd.DataFrame(rows, columns=["主体代码", "年份", "月份", "累计主营业务收入", "单位", "数据类型", "来源"])


def _current(monthly: dict, entities: list[str]) -> pd.DataFrame:
    year, last = S.MONTHLY_YEAR, S.MONTHLY_LAST_MONTH
    rows = []
    for e in entities:
        if (e, year) not in monthly or (e, year - 1) not in monthly:
            continue
        cum = np.round(np.cumsum(monthly[(e, year)])[:last] * 1e4)  # 万元, as a dispatch table gives them
        before = np.round(np.cumsum(monthly[(e, year - 1)])[:last], 4) * 1e4
        step = np.diff(np.concatenate([[0.0], cum]))
        yoy = np.round(100.0 * (cum / before - 1.0), 1)
        rows += [[e, year, m + 1, f"{step[m]:.0f}", f"{cum[m]:.0f}", f"{yoy[m]:.1f}", "万元", "synthetic", MONTHLY_SOURCE] for m in range(last)]
    return pd.DataFrame(rows, columns=["主体代码", "年份", "月份", "本月主营业务收入", "累计主营业务收入", "同比增长", "单位", "数据类型", "来源"])
