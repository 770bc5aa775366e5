"""Xinyi's investment, technical-upgrade and R&D outcomes per simulated path (信府〔2015〕30号).

Combines the Xinyi panel (:mod:`model.xinyi_panel`), its firms' revenue
(:mod:`model.xinyi_revenue`), the project programmes' spend
(:mod:`model.investment`), technical upgrades (:mod:`model.upgrades`) and R&D
intensity and units (:mod:`model.rnd_intensity`) into the yearly quantities
its targets measure, on the run's simulated years:

``investment``          industrial investment: every programme's spend plus upgrades', 亿元
``park_investment``     the transfer park's projects' spend, 亿元
``upgrade_investment``  technical-upgrade spend, 亿元
``rd_share``            revenue-weighted R&D share of above-scale firms, %
``rd_unit_share``       share of above-scale firms with an R&D unit, %
``upgrading_firms>T``   above-scale firms upgrading with revenue above T 亿元 (T = 0: all)

Random numbers: block *b* draws from ``SeedSequence(seed, spawn_key=(19, b))``
(19: the issue that added it), split into revenue, projects, upgrades and R&D
streams, so nothing else in a run moves. A run must simulate from the panel's
base year (2014; :func:`model.context.prepare` marks Xinyi's targets not
evaluable otherwise); the base year's R&D figures are the panel's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .file_records import file_records
from .innovation_params import InnovationParams, load_innovation_params
from .investment import draw_programme, poisson_bound, poisson_from_uniform, programme_spend
from .rnd_intensity import rd_share_paths, unit_paths, unit_share, weighted_share
from .spend_curves import default_spend_curves_path, load_spend_curves
from .upgrades import simulate_upgrades
from .xinyi_panel import BASE_YEAR, XinyiPanel, load_xinyi_panel
from .xinyi_revenue import simulate_firm_revenue

__all__ = ["XinyiModel", "prepare_xinyi", "simulate_xinyi", "with_trend_factor", "with_level_factor", "with_unit_rate", "with_levers", "basis",
           "STREAM", "PARK_PROGRAMME", "LEVER_NAMES", "PLAN_YEAR", "ASSUMED_PLAN_GROWTH"]

STREAM = 19
#: The programme whose spend is the transfer park's fixed-asset investment.
PARK_PROGRAMME = "xy_park"
#: The levers this model reads (model.levers): upgrade support, R&D incentive, project intake.
LEVER_NAMES = ("tech_upgrade_support", "rd_incentive_drift", "xinyi_project_intake")
#: Document 004 (信府〔2015〕30号) dates from 2015: its measures cannot act on 2014, Xinyi's base year.
PLAN_YEAR = 2015
#: The expected 2014 levels of investment and upgrades are the 2015 plan figures divided by this
#: (calibration/innovation.toml sizes intakes and the upgrade rate on it); no 2014 figure exists.
ASSUMED_PLAN_GROWTH = 1.15


def basis(key: str) -> str:
    """What a Xinyi target measuring ``key`` rests on, in one line (English; the run's JSON and header)."""
    if key == "rd_share":
        return "anchored: R&D 0.68 % of revenue in 2014 (document 004); the 6 %/yr drift is an assumption (recalled, not checked)"
    if key == "rd_unit_share":
        return "no data: the 2014 share of firms with R&D units (5 %) and the set-up rate are assumptions (structural variants xinyi_rdunits_slow/fast)"
    return (f"no data: the 2014 level is assumed to be the 2015 plan figure / {ASSUMED_PLAN_GROWTH:.2f}, so P says how likely ~15 % above an "
            "assumed trend is; plan / 1.00 and plan / 1.30 are the structural variants xinyi_start_high/low")


@dataclass(frozen=True)
class XinyiModel:
    """Everything the Xinyi simulation needs (picklable)."""

    panel: XinyiPanel
    params: InnovationParams
    curves: dict[str, np.ndarray]
    years: np.ndarray
    policy_year: int
    levers: dict[str, float]
    keys: tuple[str, ...]
    inputs: tuple[dict, ...] = ()  # the files read: role, path, sha256 (for the manifest)

    def conditions(self) -> dict:
        """What Xinyi's probabilities rest on (for the run's summary and header)."""
        return {"panel": self.panel.folder, "firms": len(self.panel.ids), "illustrative": self.panel.illustrative,
                "anchor": "R&D 0.68 % of revenue in 2014 (信府〔2015〕30号)", "assumptions": self.params.path,
                "assumed_2014_levels": f"investment, park investment and upgrades: 2015 plan / {ASSUMED_PLAN_GROWTH:.2f} (no 2014 data); R&D units 5 % in 2014",
                "levers": dict(self.levers), "policy_year": self.policy_year}


def prepare_xinyi(data_dir: Path | str, years: np.ndarray, levers: dict[str, float], policy_year: int, keys: tuple[str, ...]) -> XinyiModel | None:
    """The model for a run, or None when the dataset has no Xinyi panel or no target needs it.

    Parameters
    ----------
    data_dir : path
        Dataset folder (its ``xinyi/`` tables).
    years : ndarray
        The run's simulated years.
    levers : dict
        The scenario's levers (those of :data:`LEVER_NAMES` are read).
    policy_year : int
        First year the levers act.
    keys : tuple of str
        Quantities the run's targets measure (see the module docstring).
    """
    panel = load_xinyi_panel(data_dir)
    if panel is None or not keys:
        return None
    params = load_innovation_params()
    curves = load_spend_curves()
    missing = [p.name for p in params.programmes if p.name not in curves]
    if missing:
        from .errors import DataError

        raise DataError(f"{params.path}: programme(s) {', '.join(missing)} have no spend curve in calibration/spend_curves.csv")
    files = [("innovation assumptions", params.path), ("spend curves", str(default_spend_curves_path())),
             ("Xinyi firms", str(Path(panel.folder) / "firms.csv")), ("Xinyi parks", str(Path(panel.folder) / "parks.csv"))]
    inputs = file_records(files)
    return XinyiModel(panel, params, curves, np.asarray(years), max(int(policy_year), PLAN_YEAR), {k: float(levers[k]) for k in LEVER_NAMES}, tuple(keys), inputs)


def with_levers(m: XinyiModel, levers: dict[str, float], policy_year: int) -> XinyiModel:
    """The model under another scenario's levers and policy start (sensitivity, goal seek)."""
    return dataclasses.replace(m, levers={k: float(levers[k]) for k in LEVER_NAMES}, policy_year=max(int(policy_year), PLAN_YEAR))


def with_trend_factor(m: XinyiModel, factor: float) -> XinyiModel:
    """The model with its assumed trends scaled (a structural alternative, :mod:`model.structural`).

    Revenue growth, project-intake growth and the R&D drift are multiplied by
    ``factor``; the technical-upgrade base rate by ``1 + (factor - 1) / 2``.
    """
    p = m.params
    params = dataclasses.replace(
        p, revenue={**p.revenue, "log_growth": p.revenue["log_growth"] * factor}, intake_growth=p.intake_growth * factor,
        rnd={**p.rnd, "drift": p.rnd["drift"] * factor}, upgrades={**p.upgrades, "base_rate": p.upgrades["base_rate"] * (1 + (factor - 1) / 2)})
    return dataclasses.replace(m, params=params)


def with_level_factor(m: XinyiModel, factor: float) -> XinyiModel:
    """The model with every assumed 2014 level of investment and upgrades scaled by ``factor``.

    Project intakes and the upgrade base rate are what the 2014 levels were sized on
    (:data:`ASSUMED_PLAN_GROWTH`), so scaling them scales the expected levels: ``factor``
    1.15 is "2014 at the 2015 plan", 1.15 / 1.30 "the plan asks 30 % more than 2014".
    """
    p = m.params
    progs = tuple(dataclasses.replace(q, projects_per_year=q.projects_per_year * factor) for q in p.programmes)
    params = dataclasses.replace(p, programmes=progs, upgrades={**p.upgrades, "base_rate": p.upgrades["base_rate"] * factor})
    return dataclasses.replace(m, params=params)


def with_unit_rate(m: XinyiModel, shift: float) -> XinyiModel:
    """The model with the R&D-unit set-up intercept shifted by ``shift`` (about 2× per +0.7)."""
    p = m.params
    return dataclasses.replace(m, params=dataclasses.replace(p, rnd={**p.rnd, "unit_intercept": p.rnd["unit_intercept"] + shift}))


def simulate_xinyi(m: XinyiModel, block: int, n: int, seed: int) -> dict[str, np.ndarray]:
    """The Xinyi quantities of one block: key -> (n, H) on the run's years (NaN before 2014)."""
    rev_ss, proj_ss, up_ss, rd_ss = np.random.SeedSequence(seed, spawn_key=(STREAM, block)).spawn(4)
    years = m.years
    steps = int(years[-1]) - BASE_YEAR
    revenue = simulate_firm_revenue(np.random.default_rng(rev_ss), m.panel.revenue[:, 1], n, steps, m.params.revenue)
    above = revenue >= m.params.revenue["above_scale_threshold"]
    on = np.arange(BASE_YEAR, BASE_YEAR + steps + 1) >= m.policy_year  # base year .. last year
    up_mult = np.where(on, m.levers["tech_upgrade_support"], 1.0)
    upgrading, up_spend = simulate_upgrades(np.random.default_rng(up_ss), revenue, above, m.params.upgrades, up_mult)
    rd, units = _rnd(m, np.random.default_rng(rd_ss), revenue, on)
    spend, park = _projects(m, np.random.default_rng(proj_ss), n, steps)
    upgrade_inv = up_spend.sum(axis=1)
    out = {"investment": spend + upgrade_inv, "park_investment": park, "upgrade_investment": upgrade_inv,
           "rd_share": weighted_share(rd, revenue, above), "rd_unit_share": unit_share(units, above)}
    for key in m.keys:
        if key.startswith("upgrading_firms>"):
            thr = float(key.split(">", 1)[1])
            out[key] = (upgrading & (revenue > thr)).sum(axis=1).astype(float)
    return {k: _on_run_years(out[k], years) for k in m.keys}


def _rnd(m: XinyiModel, rng: np.random.Generator, revenue: np.ndarray, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R&D shares and units from the base year on, (P, n, 1 + steps)."""
    P, n, k1 = revenue.shape
    common = rng.standard_normal((P, k1 - 1))
    firm = rng.standard_normal((P, n, k1 - 1))
    u = rng.random((P, n, k1 - 1))
    drift = m.params.rnd["drift"] + np.where(on[1:], m.levers["rd_incentive_drift"], 0.0)
    base = m.panel.rd_share
    share = np.concatenate([np.broadcast_to(base[None, :, None], (P, n, 1)), rd_share_paths(base, drift, common, firm, m.params.rnd)], axis=2)
    units = np.concatenate([np.broadcast_to(m.panel.rd_unit[None, :, None], (P, n, 1)), unit_paths(m.panel.rd_unit, revenue[:, :, 1:], u, m.params.rnd)], axis=2)
    return share, units


def _projects(m: XinyiModel, rng: np.random.Generator, n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """All programmes' spend and the park's, (P, 1 + steps) from the base year; a warm-up as long as the longest curve."""
    warm = max(len(m.curves[p.name]) for p in m.params.programmes) - 1
    yrs = np.arange(BASE_YEAR - warm, BASE_YEAR + steps + 1)
    growth = np.exp(m.params.intake_growth * (yrs - BASE_YEAR))
    mult = np.where(yrs >= m.policy_year, m.levers["xinyi_project_intake"], 1.0)
    total, park = np.zeros((n, len(yrs))), np.zeros((n, len(yrs)))
    for prog in m.params.programmes:
        shares = m.curves[prog.name]
        # Candidates per year bounded by the largest intake the lever allows: the draws never depend on the lever.
        kmax = [poisson_bound(prog.projects_per_year * g * m.params.max_intake_multiplier) for g in growth]
        d = draw_programme(rng, prog, n, kmax, len(shares))
        counts = poisson_from_uniform(d.count_u, prog.projects_per_year * growth * mult, max(kmax))
        spend, _ = programme_spend(counts, d.size, d.build_years, shares)
        total += spend
        if prog.name == PARK_PROGRAMME:
            park += spend
    return total[:, warm:], park[:, warm:]


def _on_run_years(x: np.ndarray, years: np.ndarray) -> np.ndarray:
    """(P, base year .. last year) onto the run's years (NaN before the base year)."""
    out = np.full((x.shape[0], len(years)), np.nan)
    first = int(years[0])
    lo = max(first, BASE_YEAR)
    hi = min(int(years[-1]), BASE_YEAR + x.shape[1] - 1)
    out[:, lo - first: hi - first + 1] = x[:, lo - BASE_YEAR: hi - BASE_YEAR + 1]
    return out
