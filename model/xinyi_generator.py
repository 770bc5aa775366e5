"""Seeded generator of the illustrative Xinyi panel: its above-scale firms and its transfer park.

Xinyi (信宜市, Guangdong, region ``GD.XY``) has no firm data in the embedded
dataset. Its plan (信府〔2015〕30号, document 004) states one figure about the
firms themselves: R&D spending of above-scale firms was 0.68 % of revenue in
2014. This module builds a panel around it, from the generator's seed branch
``spawn_key=(19,)`` (19: the issue that added it), so no other table's random
numbers move:

* ``N_FIRMS`` above-scale firms (≥ 2000万元 revenue) with 2014 revenue from a
  Pareto upper tail above the threshold, scaled to ``TOTAL_REVENUE_2014``;
* 2013 revenue back-cast with a common year shock and Laplace firm noise;
* ``PARK_FIRMS`` of them in the 东莞大朗(信宜)产业转移工业园;
* 2014 R&D spending: lognormal shares of revenue, rescaled so the
  revenue-weighted share is the document's 0.68 % (the anchor);
* ``RD_UNITS_2014`` firms with an R&D unit, drawn with weights rising with size.

Every value is synthetic and flagged so; only the 0.68 % comes from the
document. ``N_FIRMS``, ``TOTAL_REVENUE_2014`` and ``RD_UNITS_2014`` are stated
assumptions (no published count or total for Xinyi was found).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["generate_xinyi", "XINYI_FOLDER", "XINYI_SOURCE", "PARK_ID", "PARK_NAME", "RD_SHARE_2014"]

XINYI_FOLDER = "xinyi"
XINYI_SOURCE = "illustrative: model.xinyi_generator (seed branch 19)"
PARK_ID = "P.GD.XY.01"
PARK_NAME = "东莞大朗(信宜)产业转移工业园"
#: R&D spending of above-scale firms over their revenue in 2014, % (信府〔2015〕30号, 二、主要目标).
RD_SHARE_2014 = 0.68
#: Stated assumptions (no published figure found): firms, their 2014 revenue (亿元), firms in the park, R&D units.
N_FIRMS = 180
TOTAL_REVENUE_2014 = 240.0
PARK_FIRMS = 30
RD_UNITS_2014 = 9
_FLOOR = 0.2          # above-scale threshold 2000万元 = 0.2亿 (national statistical standard since 2011)
_ALPHA = 1.0          # Pareto tail index of firm sizes (Zipf-like; stated assumption)
_RD_SIGMA = 0.9       # spread of log R&D shares across firms
_GROWTH_2014 = 0.10   # mean log growth 2013→2014 of the back-cast


def generate_xinyi(seed: int) -> dict[str, pd.DataFrame]:
    """The illustrative Xinyi tables: ``firms`` and ``parks``.

    Parameters
    ----------
    seed : int
        The annual generator's seed; this panel's stream is its child ``spawn_key=(19,)``.

    Returns
    -------
    dict of pandas.DataFrame
        ``firms`` (one row per above-scale firm, money in 亿元) and ``parks``.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(19,)))
    rev14 = _sizes(rng)
    year_shock = rng.normal(0.0, 0.03)
    noise = rng.laplace(0.0, 0.12 * rev14 ** -0.2)
    rev13 = rev14 / np.exp(_GROWTH_2014 + year_shock + noise)
    share = np.exp(rng.normal(0.0, _RD_SIGMA, N_FIRMS))
    share *= RD_SHARE_2014 / 100 * rev14.sum() / (share * rev14).sum()
    units = np.zeros(N_FIRMS, int)
    w = np.sqrt(rev14)
    units[rng.choice(N_FIRMS, RD_UNITS_2014, replace=False, p=w / w.sum())] = 1
    park = np.full(N_FIRMS, "", object)
    park[rng.choice(N_FIRMS, PARK_FIRMS, replace=False)] = PARK_ID
    firms = pd.DataFrame({
        "id": [f"XY.F{i:03d}" for i in range(1, N_FIRMS + 1)],
        "name": [f"信宜示例企业{i:03d}" for i in range(1, N_FIRMS + 1)],
        "park": park,
        "revenue_2013": np.round(rev13, 4),
        "revenue_2014": np.round(rev14, 4),
        "rd_spend_2014": np.round(share * rev14, 4),
        "rd_unit_2014": units,
        "provenance": "synthetic",
        "source": XINYI_SOURCE,
    })
    parks = pd.DataFrame({"id": [PARK_ID], "name": [PARK_NAME], "region": ["GD.XY"], "provenance": ["published"],
                          "source": ["信府〔2015〕30号 一、总体要求 (the park named in the document)"]})
    return {"firms": firms, "parks": parks}


def _sizes(rng: np.random.Generator) -> np.ndarray:
    """2014 revenues (亿元), largest first: a Pareto tail above the floor, scaled to the assumed total."""
    raw = _FLOOR * (1.0 - rng.random(N_FIRMS)) ** (-1.0 / _ALPHA)
    raw = np.sort(np.minimum(raw, 200.0))[::-1]
    # Scale the part above the floor so every firm stays above-scale and the total is the assumed one.
    excess = raw - _FLOOR
    return _FLOOR * 1.0001 + excess * (TOTAL_REVENUE_2014 - N_FIRMS * _FLOOR * 1.0001) / excess.sum()
