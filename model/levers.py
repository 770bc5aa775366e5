"""Policy levers of the major-project pipeline: named, unit-bearing, range-checked.

Every number a scenario may change in the project pipeline is declared here
once, with its unit, allowed range, default, a one-line meaning and the policy
clause (or the stated assumption) it comes from.  Scenario files name levers by
these keys; :func:`validate_levers` rejects unknown keys, wrong types and
out-of-range values with a message that points at the file and the key.

Sources
-------
* 赣府厅字〔2013〕97号 (Jiangxi): 100 major industrial projects ≥10亿元 scheduled a
  year, ≥30 to start and ≥50 to be completed and producing, ~3-year
  construction, monthly dispatch (月调度), approval green channel (绿色通道),
  priority land quota (用地指标), financing help (guaranteed loans: banks lend
  3-5× guarantee capital, 6× for guide-fund loans rewarded).
* 赣市府发〔2014〕26号 (Ganzhou): ≥100 projects >1亿元 completed and producing a
  year, ≥200 in reserve, ≥100 newly signed >1亿; subsidy for projects that
  complete and produce within two years.

Units: counts are projects, money is 亿元, land is mu (亩), durations months.

Timing: every lever acts from the policy start (``PipelineParams.policy_start``):
the first simulated year (2014 with data to 2013; the year after ``--as-of``), or
a later ``[pipeline] policy_start`` of the scenario.  Intake counts by signing
year, the new-entrant share by signing time, approval capacity and the green
channel by when approvals start or are filed, land and loan quotas by quota year,
financing success by when financing starts, construction support and the
early-production subsidy by construction start.  The warm-up before it (2008 to
the last data year) runs on the settings history implies, ``[history]`` in
``calibration/pipeline_defaults.toml``, the same for every scenario: the lever
defaults except 40 listings and 40 Ganzhou signings a year (not the decreed 100)
and no green channel, subsidy or construction support (decreed in 2013-2014).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, Mapping

try:  # the shared scenario error, when the errors module is present
    from .errors import ScenarioError as _LeverError
except ImportError:  # pragma: no cover - keeps this module importable alone
    _LeverError = ValueError  # type: ignore[misc,assignment]

__all__ = ["Lever", "LEVERS", "PROGRAMMES", "validate_levers", "lever_defaults"]

#: Project programmes the pipeline knows: Jiangxi's ≥10亿 list and Ganzhou's >1亿 signings.
PROGRAMMES: tuple[str, ...] = ("jx_major", "gz_1yi")

_JX = "赣府厅字〔2013〕97号"
_GZ = "赣市府发〔2014〕26号"


@dataclass(frozen=True)
class Lever:
    """One policy lever.

    Attributes
    ----------
    name : str
        Key used in scenario files.
    unit : str
        Unit of the value (the model's internal unit; no conversion happens).
    low, high : float
        Inclusive allowed range.
    default : float
        Value used when a scenario does not set the lever.
    description : str
        One line: what the lever does inside the model.
    source : str
        Policy clause it comes from, or ``"default: no data, stated assumption"``.
    integer : bool
        Whether the value must be a whole number.
    """

    name: str
    unit: str
    low: float
    high: float
    default: float
    description: str
    source: str
    integer: bool = False

    def check(self, value: Any, where: str) -> float:
        """Return ``value`` as float if it is valid for this lever, else raise.

        Parameters
        ----------
        value : Any
            Candidate value from a scenario.
        where : str
            Where the value came from (file name), quoted in the error.

        Raises
        ------
        ValueError
            (:class:`model.errors.ScenarioError` when available) on a wrong type,
            a non-finite or out-of-range value, or a fraction for an integer lever.
        """
        # bool is an int subclass; "true" is never a meaningful lever value.
        if isinstance(value, bool) or not isinstance(value, Real):
            raise _LeverError(
                f"{where}: lever '{self.name}' must be a number ({self.unit}), "
                f"got {type(value).__name__} {value!r}"
            )
        x = float(value)
        if not math.isfinite(x) or x < self.low or x > self.high:
            raise _LeverError(
                f"{where}: lever '{self.name}' = {value!r} is outside the allowed range "
                f"[{self.low:g}, {self.high:g}] {self.unit}"
            )
        if self.integer and x != int(x):
            raise _LeverError(f"{where}: lever '{self.name}' must be a whole number, got {value!r}")
        return x


def _programme_levers() -> list[Lever]:
    """Levers that exist once per programme."""
    out: list[Lever] = [
        Lever("signed_per_year_jx_major", "projects/yr", 0, 400, 100,
              "Mean number of new ≥10亿 projects entering the province's pipeline a year (Poisson); "
              "the yearly list of list_length_jx_major projects is drawn from their stock.",
              f"{_JX} (paraphrase): 100 major industrial projects ≥10亿 scheduled each year; intake size: "
              "default: no data, stated assumption (the baseline keeps history's 40)"),
        Lever("list_length_jx_major", "projects", 0, 400, 100,
              "Length of the yearly provincial list drawn in Q1 from the stock of ≥10亿 projects "
              "(continuing ones first); the ≥30 starts and ≥50 completions are counted among listed projects.",
              f"{_JX} 百项方案 一、二(一) (paraphrase): 100 projects ≥10亿 scheduled each year, selected in Q1, "
              "build time about three years, dynamic management, cities add newly settled projects that have started", True),
        Lever("signed_per_year_gz_1yi", "projects/yr", 0, 600, 100,
              "Mean number of newly signed >1亿 projects in Ganzhou a year (Poisson).",
              f"{_GZ} (paraphrase): ≥100 newly signed projects >1亿 a year, ≥200 in reserve"),
        Lever("approval_capacity_jx_major", "concurrent files", 1, 2000, 60,
              "Approval files (立项/环评/用地预审) the province handles at once; FIFO queue beyond.",
              "default: no data, stated assumption (utilisation ≈0.75 at default intake)", True),
        Lever("approval_capacity_gz_1yi", "concurrent files", 1, 2000, 30,
              "Approval files Ganzhou handles at once; FIFO queue beyond.",
              "default: no data, stated assumption (utilisation ≈0.75 at default intake)", True),
        Lever("land_quota_jx_major", "mu/yr", 1000, 5_000_000, 125_000,
              "Yearly land quota (用地指标) reserved for listed projects; unused quota lapses at year end.",
              f"{_JX} (paraphrase): priority land quota for listed projects; size default: no data, stated assumption (≈1.2× mean demand)"),
        Lever("land_quota_gz_1yi", "mu/yr", 100, 1_000_000, 13_500,
              "Yearly land quota for Ganzhou >1亿 projects; unused quota lapses at year end.",
              "default: no data, stated assumption (≈1.2× mean demand)"),
        Lever("guarantee_capital_jx_major", "亿元/yr", 0.1, 2000, 85,
              "Guarantee capital committed a year for listed projects; loan pool = capital × multiplier.",
              f"{_JX} (paraphrase): financing help through guaranteed loans; size default: no data, stated assumption (pool ≈1.2× mean demand)"),
        Lever("guarantee_capital_gz_1yi", "亿元/yr", 0.1, 500, 9.5,
              "Guarantee capital committed a year in Ganzhou; loan pool = capital × multiplier.",
              "default: no data, stated assumption (pool ≈1.2× mean guaranteed-loan demand)"),
        Lever("new_entrant_share_jx_major", "share", 0, 1, 0.4,
              "Share of listed projects by new entrants (央企入赣, 产业转移) creating new enterprises.",
              "default: no data, stated assumption"),
        Lever("new_entrant_share_gz_1yi", "share", 0, 1, 0.5,
              "Share of Ganzhou signed projects by new entrants (产业转移, 招商引资).",
              "default: no data, stated assumption"),
    ]
    return out


def _common_levers() -> list[Lever]:
    """Levers shared by all programmes."""
    return [
        Lever("green_channel_approval_multiplier", "× duration", 0.2, 2.0, 0.8,
              "Multiplier on approval durations; <1 = faster approvals via the green channel.",
              f"{_JX} (paraphrase): green channel (绿色通道) for approvals; size of effect default: no data, stated assumption (20% faster)"),
        Lever("financing_success_probability", "prob/attempt", 0.05, 1.0, 0.7,
              "Chance one financing round (注资/银行贷款) closes; failed rounds retry, 3 failures abandon.",
              "default: no data, stated assumption"),
        Lever("guarantee_multiplier", "× capital", 1.0, 10.0, 4.0,
              "Loans granted per unit of guarantee capital (sizes the yearly guaranteed-loan pool).",
              f"{_JX} (paraphrase): banks lend 3-5× guarantee capital; 6× for guide-fund loans is rewarded; default 4 = middle of 3-5"),
        Lever("early_production_subsidy", "intensity 0-1", 0.0, 1.0, 1.0,
              "Intensity of the two-year complete-and-produce subsidy (1 = as decreed); shortens "
              "construction and cuts abandonment of gz_1yi projects by the factors in the calibration file.",
              f"{_GZ} (paraphrase): subsidy for projects completed and producing within two years (city ≥3亿, county ≥1亿 productive fixed assets); effect sizes: stated assumption"),
        Lever("construction_duration_multiplier", "× duration", 0.5, 2.0, 1.0,
              "Multiplier on construction durations of all programmes (construction support, 调度协调).",
              f"{_JX} (paraphrase): monthly dispatch (月调度) and construction support; effect default: no data, stated assumption (1 = none)"),
    ]


_XY = "信府〔2015〕30号"


def _xinyi_levers() -> list[Lever]:
    """Levers of Xinyi's investment and innovation model (:mod:`model.xinyi`); they act from the policy start."""
    return [
        Lever("tech_upgrade_support", "× upgrade rate", 0.0, 3.0, 1.0,
              "Multiplier on each Xinyi above-scale firm's yearly technical-upgrade probability (subsidy and interest discount).",
              f"{_XY} 三、(二)1 (paraphrase): equity investment, interest discounts (贷款贴息) and ex-post rewards for upgrades; "
              "effect size default: no data, stated assumption (1 = the assumed base rate)"),
        Lever("rd_incentive_drift", "log-points/yr", 0.0, 0.3, 0.0,
              "Added to the yearly drift of every Xinyi firm's R&D share of revenue (R&D incentives).",
              f"{_XY} 四、(二) (paraphrase): innovation incentives (粤府〔2015〕1号); effect default: no data, stated assumption (0 = none beyond the trend)"),
        Lever("xinyi_project_intake", "× intake", 0.0, 3.0, 1.0,
              "Multiplier on the yearly number of new industrial projects in Xinyi (park and elsewhere).",
              f"{_XY} 三、(三) (paraphrase): targeted investment promotion and key projects; default: no data, stated assumption (1 = the assumed intake)"),
    ]


#: The registry: lever name -> :class:`Lever`.
LEVERS: dict[str, Lever] = {lv.name: lv for lv in _programme_levers() + _common_levers() + _xinyi_levers()}


def lever_defaults() -> dict[str, float]:
    """Return ``{name: default}`` for every lever."""
    return {name: float(lv.default) for name, lv in LEVERS.items()}


def validate_levers(mapping: Mapping[str, Any] | None, where: str) -> dict[str, float]:
    """Check a scenario's lever settings and fill in defaults.

    Parameters
    ----------
    mapping : mapping of str to number, or None
        Lever settings from a scenario (only the levers it changes).
    where : str
        Name of the source (e.g. the scenario file) quoted in error messages.

    Returns
    -------
    dict
        Every lever name mapped to its value (scenario value or default), as float.

    Raises
    ------
    ValueError
        (:class:`model.errors.ScenarioError`) naming ``where``, the key and either the
        list of known keys (unknown key), the allowed range (out-of-range value) or
        the expected type (wrong type).
    """
    values = lever_defaults()
    if mapping is None:
        return values
    if not isinstance(mapping, Mapping):
        raise _LeverError(f"{where}: levers must be a table of name = number, got {type(mapping).__name__}")
    for key, value in mapping.items():
        if key not in LEVERS:
            known = ", ".join(sorted(LEVERS))
            raise _LeverError(f"{where}: unknown lever '{key}'; known levers: {known}")
        values[key] = LEVERS[key].check(value, where)
    return values


