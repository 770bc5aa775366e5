"""Which lever moves P(attain) most: tornado, spider, Sobol, Morris and regional sensitivity.

Sign convention (tornado)
-------------------------
A bar's effect is ``metric(high) - metric(low)``: the value with the factor at
the high end of its range minus the value at the low end, every other factor at
the scenario's value. A positive ΔP means *raising* the factor raises the
probability. The bar's two halves are ``metric(low) - metric(base)`` and
``metric(high) - metric(base)``. Bars are sorted by their span, the largest
of the three values minus the smallest.

Monte Carlo error
-----------------
All points share their paths (common random numbers), so a difference is
estimated path by path: ΔP = mean(hit_high - hit_low) with the paired standard
error sd(hit_high - hit_low) / sqrt(n). The paired error of a median difference
and of a cost difference comes from a bootstrap over paths (the same paths
resampled at both ends).

Global methods
--------------
Sobol and Morris need one number per design point. Their output is, per target:
``p`` - P(attain) estimated on a batch of ``n`` paths (the same paths at every
point); ``median`` - the median level or count on that batch; ``shortfall`` -
the expected shortfall E[max(0, goal - value)] on that batch. The 0/1 indicator
of one path is never used as the output: it is too noisy for indices. The
reported ``noise_ratio`` (binomial variance of the batch estimate over the
variance of the output across points) says how much of the output's spread is
batch noise. Sobol indices come from SALib (Saltelli sampling, Jansen/Sobol
estimators) with bootstrap confidence intervals, and their convergence is shown
on nested prefixes of the sample (Sobol sequences are balanced at powers of 2).

Regional sensitivity splits the *paths* that hit from those that miss: each
design point (Latin hypercube) runs its own batch of independent paths; the
statistic is the Kolmogorov-Smirnov distance between the factor's distribution
over hit paths and over missed paths, with a permutation p-value (hit counts
permuted across points).

Cost
----
The only fiscal costs the model simulates are the reward schedules
(:mod:`model.fiscal`): payments rise when a lever lifts revenue across the
reward steps. Each bar shows the expected reward paid from the first simulated
year through the target's year, and ΔP per 万元 of that cost. No lever's own
budget cost (subsidy payments, guarantee capital) is modelled; every row says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .design_points import Factor, PointResult, PointRunner
from .summary import probability

__all__ = [
    "SIGN_CONVENTION", "OUTPUTS", "tornado", "tornado_bar", "spider", "sobol_indices", "morris_screening",
    "regional_split", "ks_split", "point_outputs", "design_points_of", "simulate_outputs", "DIRECT_COST",
]

SIGN_CONVENTION = "effect = metric(factor at high end) - metric(factor at low end); > 0: raising the factor raises the metric"
#: Outputs a global method can analyse (see the module docstring).
OUTPUTS = ("p", "median", "shortfall")
#: What is known about each factor's own budget cost.
DIRECT_COST = "not modelled (only the reward schedules' payments are simulated)"
_BOOT = 200
#: Target half-width of Sobol confidence intervals for the reported sample size.
SOBOL_HALF_WIDTH = 0.05


@dataclass(frozen=True)
class TargetSpec:
    """What a sensitivity analysis needs to know about one target."""

    id: str
    at_least: float
    year_index: int
    title_zh: str
    title_en: str


def target_specs(runner: PointRunner) -> list[TargetSpec]:
    """The runner's targets, in its order."""
    return [TargetSpec(c.target.id, float(c.target.at_least), c.year_index, c.target.title_zh, c.target.title_en) for c in runner.ctx.targets]


def _boot_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))


def _cost(r: PointResult, t: TargetSpec) -> np.ndarray:
    """Reward payments per path from the first simulated year through the target's year (万元)."""
    return r.fiscal[:, : t.year_index + 1].sum(axis=1)


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of ``b - a`` and its paired standard error."""
    d = b.astype(float) - a.astype(float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else 0.0


def _boot_diff(stat: Callable[[np.ndarray], float], a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> float:
    """Bootstrap standard error of ``stat(b) - stat(a)``, resampling paths jointly."""
    n = a.size
    idx = rng.integers(0, n, size=(_BOOT, n))
    return float(np.std([stat(b[i]) - stat(a[i]) for i in idx], ddof=1))


def _summary(r: PointResult, t: TargetSpec) -> dict:
    x = r.values[t.id]
    p, se = probability(x >= t.at_least)
    return {"p": p, "se": se, "median": float(np.median(x)), "cost": float(_cost(r, t).mean())}


def tornado_bar(factor: Factor, base: PointResult, low: PointResult, high: PointResult, t: TargetSpec, base_value: float, rng: np.random.Generator) -> dict:
    """One bar: the factor at its low and high ends against the scenario value.

    Returns
    -------
    dict
        ``delta_p`` = P(high) - P(low) with paired ``se_delta_p``; the two halves
        against the base; the median and the expected reward cost likewise;
        ``dp_per_wan`` = ΔP / Δcost when the cost rises (else None).
    """
    hb, hl, hh = (r.values[t.id] >= t.at_least for r in (base, low, high))
    xl, xh = low.values[t.id], high.values[t.id]
    cl, ch = _cost(low, t), _cost(high, t)
    dp, se_dp = _paired(hl, hh)
    d_low, se_low = _paired(hb, hl)
    d_high, se_high = _paired(hb, hh)
    dc, se_dc = _paired(cl, ch)
    lo_s, hi_s, b_s = _summary(low, t), _summary(high, t), _summary(base, t)
    span = max(lo_s["p"], hi_s["p"], b_s["p"]) - min(lo_s["p"], hi_s["p"], b_s["p"])
    return {
        "factor": factor.name, "unit": factor.unit, "kind": factor.kind, "low": factor.value(factor.low), "high": factor.value(factor.high),
        "base_value": base_value, "p_low": lo_s["p"], "p_high": hi_s["p"], "se_low": lo_s["se"], "se_high": hi_s["se"],
        "delta_p": dp, "se_delta_p": se_dp, "delta_low": d_low, "se_delta_low": se_low, "delta_high": d_high, "se_delta_high": se_high,
        "span": span,
        "median_low": lo_s["median"], "median_high": hi_s["median"], "delta_median": float(np.median(xh) - np.median(xl)),
        "se_delta_median": _boot_diff(np.median, xl, xh, rng),
        "cost_low": lo_s["cost"], "cost_high": hi_s["cost"], "delta_cost": dc, "se_delta_cost": se_dc,
        "dp_per_wan": dp / dc if dc > 0 and abs(dc) > 2 * se_dc else None,
        "direct_cost": DIRECT_COST,
    }


def _base_value(runner: PointRunner, f: Factor) -> Any:
    s = runner.ctx.scenario
    if f.kind == "lever":
        return s.levers[f.name]
    section, key = f.name.split(".", 1)
    return s.get(section, key)


def tornado(runner: PointRunner, factors: Sequence[Factor]) -> dict:
    """One-at-a-time sensitivity of every target of ``runner`` to each factor.

    Parameters
    ----------
    runner : PointRunner
    factors : sequence of Factor
        Each is moved from its low to its high end, the others at the scenario's values.

    Returns
    -------
    dict
        ``targets``: per target its base P, median and cost and the ``bars``
        sorted by span (largest first); ``sign_convention``; paths and timing.
    """
    points = [{}]
    for f in factors:
        points += [{f.name: f.value(f.low)}, {f.name: f.value(f.high)}]
    res = runner.run(points, desc="tornado")
    rng = _boot_rng(runner.seed)
    out = []
    for t in target_specs(runner):
        bars = [tornado_bar(f, res[0], res[1 + 2 * i], res[2 + 2 * i], t, _base_value(runner, f), rng) for i, f in enumerate(factors)]
        bars.sort(key=lambda b: (-b["span"], -abs(b["delta_median"])))
        out.append({**_target_head(t), "base": _summary(res[0], t), "bars": bars})
    return {"method": "tornado", "sign_convention": SIGN_CONVENTION, "targets": out, **_run_info(runner, len(points))}


def spider(runner: PointRunner, factors: Sequence[Factor], k: int = 5) -> dict:
    """P and the median at ``k`` equally spaced values of each factor (others at the scenario's)."""
    points = [{}] + [{f.name: f.value(x)} for f in factors for x in f.grid(k)]
    res = runner.run(points, desc="spider")
    out = []
    for t in target_specs(runner):
        lines = []
        for i, f in enumerate(factors):
            rows = [_summary(res[1 + i * k + j], t) | {"x": f.value(x), "position": j / (k - 1)} for j, x in enumerate(f.grid(k))]
            lines.append({"factor": f.name, "unit": f.unit, "base_value": _base_value(runner, f), "points": rows})
        out.append({**_target_head(t), "base": _summary(res[0], t), "lines": lines})
    return {"method": "spider", "points_per_factor": k, "targets": out, **_run_info(runner, len(points))}


def _target_head(t: TargetSpec) -> dict:
    return {"target": t.id, "title_zh": t.title_zh, "title_en": t.title_en, "at_least": t.at_least}


def _run_info(runner: PointRunner, n_points: int) -> dict:
    return {"paths_per_point": runner.n_paths, "points": n_points, "paths_simulated": runner.n_paths * n_points, "seed": runner.seed, "seconds": runner.seconds}


# ----------------------------------------------------------------------------- global methods


def point_outputs(results: Sequence[PointResult], t: TargetSpec, output: str) -> np.ndarray:
    """One number per design point: P on the batch, the median, or the expected shortfall."""
    if output not in OUTPUTS:
        raise ValueError(f"output {output!r}: expected one of {OUTPUTS}")
    xs = [r.values[t.id] for r in results]
    if output == "p":
        return np.array([float((x >= t.at_least).mean()) for x in xs])
    if output == "median":
        return np.array([float(np.median(x)) for x in xs])
    return np.array([float(np.maximum(t.at_least - x, 0.0).mean()) for x in xs])


def design_points_of(factors: Sequence[Factor], X: np.ndarray) -> list[dict[str, Any]]:
    """Rows of a sample matrix as factor values."""
    return [{f.name: f.value(x) for f, x in zip(factors, row)} for row in X]


def simulate_outputs(runner: PointRunner, factors: Sequence[Factor], X: np.ndarray, output: str, desc: str) -> tuple[dict[str, np.ndarray], dict[str, float | None]]:
    """Simulate every row of ``X`` (common random numbers) and return each target's outputs.

    Returns
    -------
    (dict, dict)
        Target id -> output per row; target id -> noise ratio (binomial variance
        of the batch estimate over the variance across rows; ``p`` only, else None).
    """
    res = runner.run(design_points_of(factors, X), desc=desc)
    ys, noise = {}, {}
    for t in target_specs(runner):
        y = point_outputs(res, t, output)
        ys[t.id] = y
        var = float(y.var())
        noise[t.id] = float(np.mean(y * (1 - y)) / runner.n_paths / var) if output == "p" and var > 0 else None
    return ys, noise


def _problem(factors: Sequence[Factor]) -> dict:
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [[f.low, f.high] for f in factors]}


def _salib_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(3, stream)).generate_state(1)[0])


def sobol_indices(names: Sequence[str], bounds: Sequence[Sequence[float]], func: Callable[[np.ndarray], np.ndarray | dict], n_base: int, seed: int, conf_level: float = 0.95, resamples: int = 200) -> dict:
    """First- and total-order Sobol indices with bootstrap confidence intervals and convergence.

    Parameters
    ----------
    names : sequence of str
    bounds : sequence of (low, high)
    func : callable
        ``func(X) -> Y`` for the (M, D) Saltelli sample; ``Y`` is one array or a
        dict of arrays (one analysis per key).
    n_base : int
        Base sample size, a power of 2 (M = n_base × (D + 2) evaluations).
    seed : int
    conf_level : float
    resamples : int
        Bootstrap resamples for the intervals.

    Returns
    -------
    dict
        Per output key: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of
        the ``conf_level`` intervals), ``convergence`` on nested prefixes
        (n_base/2^j, at least 16) and ``n_needed``: the smallest prefix whose
        largest half-width is ≤ 0.05 (None if none; then ``n_needed_estimate``
        scales the last half-width by 1/sqrt(N)).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n_base < 16 or n_base & (n_base - 1):
        raise ValueError(f"Sobol base sample {n_base}: expected a power of 2, at least 16")
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(map(float, b)) for b in bounds]}
    X = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=_salib_seed(seed, 0))
    Y = func(X)
    ys = Y if isinstance(Y, dict) else {"y": Y}
    d = len(names)
    out = {}
    for key, y in ys.items():
        y = np.asarray(y, float)
        steps = []
        n = n_base
        sizes = []
        while n >= 16:
            sizes.append(n)
            n //= 2
        for n in sorted(sizes):
            a = _sobol_at(problem, y[: n * (d + 2)], conf_level, resamples, seed, sobol_analyze)
            steps.append({"n_base": n, "evaluations": n * (d + 2), **a, "max_half_width": float(np.nanmax(np.concatenate([a["S1_conf"], a["ST_conf"]])))})
        final = steps[-1]
        needed = next((s["n_base"] for s in steps if s["max_half_width"] <= SOBOL_HALF_WIDTH), None)
        est = None
        if needed is None and np.isfinite(final["max_half_width"]):
            est = int(2 ** math.ceil(math.log2(final["n_base"] * (final["max_half_width"] / SOBOL_HALF_WIDTH) ** 2)))
        out[key] = {
            "S1": final["S1"], "S1_conf": final["S1_conf"], "ST": final["ST"], "ST_conf": final["ST_conf"],
            "variance": float(y.var()), "convergence": [{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in s.items()} for s in steps],
            "n_needed": needed, "n_needed_estimate": est,
        }
        for k in ("S1", "S1_conf", "ST", "ST_conf"):
            out[key][k] = np.asarray(out[key][k]).tolist()
    return {"names": list(names), "n_base": n_base, "evaluations": int(X.shape[0]), "conf_level": conf_level, "half_width_goal": SOBOL_HALF_WIDTH, "outputs": out}


def _sobol_at(problem: dict, y: np.ndarray, conf_level: float, resamples: int, seed: int, analyze) -> dict:
    if not np.ptp(y) > 0:  # a constant output has no variance to share out
        z = np.zeros(problem["num_vars"])
        return {"S1": z, "S1_conf": z, "ST": z, "ST_conf": z}
    r = analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples, conf_level=conf_level, seed=_salib_seed(seed, 1))
    return {k: np.asarray(r[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def sobol(runner: PointRunner, factors: Sequence[Factor], n_base: int, output: str = "p") -> dict:
    """Sobol indices of every target of ``runner`` over ``factors`` (see :func:`sobol_indices`)."""
    noise: dict[str, float | None] = {}

    def func(X):
        ys, nz = simulate_outputs(runner, factors, X, output, "sobol")
        noise.update(nz)
        return ys

    res = sobol_indices([f.name for f in factors], [(f.low, f.high) for f in factors], func, n_base, runner.seed)
    targets = [{**_target_head(t), **res["outputs"][t.id], "noise_ratio": noise[t.id]} for t in target_specs(runner)]
    return {"method": "sobol", "output": output, "factors": _factor_rows(runner, factors), "n_base": n_base, "evaluations": res["evaluations"],
            "conf_level": res["conf_level"], "half_width_goal": SOBOL_HALF_WIDTH, "targets": targets, **_run_info(runner, res["evaluations"])}


def _factor_rows(runner: PointRunner, factors: Sequence[Factor]) -> list[dict]:
    return [{"factor": f.name, "unit": f.unit, "low": f.low, "high": f.high, "base_value": _base_value(runner, f), "choices": list(f.choices)} for f in factors]


def morris_screening(runner: PointRunner, factors: Sequence[Factor], trajectories: int, output: str = "p", levels: int = 4) -> dict:
    """Morris elementary effects: μ* (with its interval), μ and σ per factor and target.

    μ* is the mean absolute change of the output over one grid step, scaled to
    the whole range (SALib's convention on the unit hypercube).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = _problem(factors)
    X = morris_sample.sample(problem, trajectories, num_levels=levels, seed=_salib_seed(runner.seed, 2))
    ys, noise = simulate_outputs(runner, factors, X, output, "morris")
    targets = []
    for t in target_specs(runner):
        r = morris_analyze.analyze(problem, X, ys[t.id], num_resamples=_BOOT, num_levels=levels, seed=_salib_seed(runner.seed, 3))
        rows = [{"factor": f.name, "mu_star": float(r["mu_star"][i]), "mu_star_conf": float(r["mu_star_conf"][i]), "mu": float(r["mu"][i]), "sigma": float(r["sigma"][i])} for i, f in enumerate(factors)]
        rows.sort(key=lambda row: -row["mu_star"])
        targets.append({**_target_head(t), "factors": rows, "noise_ratio": noise[t.id]})
    return {"method": "morris", "output": output, "trajectories": trajectories, "levels": levels, "factors": _factor_rows(runner, factors), "targets": targets, **_run_info(runner, int(X.shape[0]))}


def ks_split(x: np.ndarray, hits: np.ndarray, total: np.ndarray, rng: np.random.Generator, permutations: int = 999) -> dict:
    """Kolmogorov-Smirnov distance between a factor's distribution over hit and missed paths.

    Parameters
    ----------
    x : ndarray (M,)
        Factor value of each design point.
    hits, total : ndarray (M,)
        Paths that hit and paths simulated at each point.
    rng : Generator
        For the permutation test (hit counts permuted across points).

    Returns
    -------
    dict
        ``ks`` distance, permutation ``p_value``, and the median factor value over
        hit and missed paths (``median_hit`` > ``median_miss``: hits come with higher values).
    """
    order = np.argsort(x, kind="stable")
    xs, h, m = x[order], hits[order].astype(float), (total - hits)[order].astype(float)

    def dist(hh, mm):
        if hh.sum() == 0 or mm.sum() == 0:
            return 0.0
        return float(np.max(np.abs(np.cumsum(hh) / hh.sum() - np.cumsum(mm) / mm.sum())))

    d = dist(h, m)
    if h.sum() == 0 or m.sum() == 0:
        return {"ks": 0.0, "p_value": 1.0, "median_hit": None, "median_miss": None}
    perm = np.empty(permutations)
    for i in range(permutations):
        j = rng.permutation(len(h))
        perm[i] = dist(h[j], (total[order] - hits[order])[j].astype(float))
    return {"ks": d, "p_value": float((1 + (perm >= d - 1e-12).sum()) / (permutations + 1)), "median_hit": _wmedian(xs, h), "median_miss": _wmedian(xs, m)}


def _wmedian(xs: np.ndarray, w: np.ndarray) -> float:
    c = np.cumsum(w)
    return float(xs[np.searchsorted(c, c[-1] / 2)])


def regional_split(runner: PointRunner, factors: Sequence[Factor], samples: int) -> dict:
    """Regional sensitivity: which factors separate the paths that hit from those that miss.

    ``samples`` Latin-hypercube points, each with its own ``runner.n_paths``
    independent paths (no common random numbers: the split is over paths).
    """
    from SALib.sample import latin

    problem = _problem(factors)
    X = latin.sample(problem, samples, seed=_salib_seed(runner.seed, 4))
    res = runner.run(design_points_of(factors, X), crn=False, desc="rsa")
    rng = np.random.default_rng(np.random.SeedSequence(runner.seed, spawn_key=(4,)))
    targets = []
    for t in target_specs(runner):
        hits = np.array([(r.values[t.id] >= t.at_least).sum() for r in res])
        total = np.array([r.values[t.id].size for r in res])
        # choices are split on their sampled position, numbers on the value simulated
        rows = [{"factor": f.name, **ks_split(X[:, i] if f.choices else np.array([f.value(v) for v in X[:, i]], float), hits, total, rng)} for i, f in enumerate(factors)]
        rows.sort(key=lambda r: -r["ks"])
        targets.append({**_target_head(t), "p_hit": float(hits.sum() / total.sum()), "factors": rows})
    return {"method": "rsa", "samples": samples, "factors": _factor_rows(runner, factors), "targets": targets, **_run_info(runner, samples)}
