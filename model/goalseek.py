"""How much of a lever would we need: goal seek on the common-random-number probability curve.

Forward question: the smallest change of a lever (or a step along a direction
in several levers) that brings P(attain) of a target to a stated probability.
Every evaluation simulates the same paths (common random numbers), so the
estimated curve P_n(x) is the share of a fixed set of paths that hit at ``x``:
a step function that, for a lever acting one way on every path, is monotone.
The root is found by bisection on that curve, bracketed by the ends of the
range, until the bracket [last value with P_n < p, first value with P_n ≥ p] is
narrower than ``tol``. The answer interpolates the crossing linearly inside the
bracket; the bracket's favourable end is reported as the value checked by
simulation.

Uncertainty: the paths are resampled (bootstrap, the same resample at every
evaluated value) and the crossing is located again on each resampled curve by
linear interpolation between evaluated values; the standard deviation and the
5-95 % range of those crossings are reported, with the share of resamples in
which p is not reached in the range. When even the favourable end of the range
gives P_n < p, the answer is "not reachable within the range".

Reverse question: the largest goal level L that a scenario reaches with
P ≥ p, i.e. the largest L with share(value ≥ L) ≥ p: the ⌈p·n⌉-th largest
simulated value, with a bootstrap interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from .design_points import Factor, PointRunner
from .summary import probability

__all__ = ["seek", "reachable_level", "goalseek", "goalseek_package", "reverse", "NOT_REACHABLE", "REACHED", "ALREADY"]

REACHED = "reached"
NOT_REACHABLE = "not reachable within the range"
ALREADY = "already reached at the unfavourable end of the range"
_BOOT = 400


@dataclass
class _Curve:
    """Memoised evaluations of a CRN hit curve."""

    fn: Callable[[float], np.ndarray]
    hits: dict[float, np.ndarray] = field(default_factory=dict)

    def __call__(self, x: float) -> float:
        if x not in self.hits:
            self.hits[x] = np.asarray(self.fn(x), bool)
        return float(self.hits[x].mean())


def seek(curve: Callable[[float], np.ndarray], low: float, high: float, prob: float, tol: float | None = None, integer: bool = False, seed: int = 0) -> dict:
    """Bisection for the first value at which the CRN probability curve reaches ``prob``.

    Parameters
    ----------
    curve : callable
        ``curve(x) -> hits``: bool array of the same paths at every ``x``.
    low, high : float
        The range searched.
    prob : float
        Probability to reach (0 < prob < 1).
    tol : float, optional
        Width of the final bracket (default 1 % of the range; 1 for integers).
    integer : bool
        Only whole values are evaluated.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    dict
        ``status`` (:data:`REACHED`, :data:`NOT_REACHABLE` or :data:`ALREADY`),
        ``direction`` (``increase``: higher values raise P; ``decrease``),
        ``value`` (the crossing, interpolated linearly between the evaluated
        values around it; None when not reachable), ``checked_value`` (the
        evaluated value nearest the crossing on its favourable side) with ``p``
        and ``se`` there, ``bracket`` (the last values below and at/above
        ``prob``), the bootstrap
        ``se_value`` / ``interval_90`` / ``share_not_reached`` and every
        ``evaluation``.
    """
    if not 0 < prob < 1:
        raise ValueError(f"prob {prob}: expected a probability strictly between 0 and 1")
    if not low < high:
        raise ValueError(f"range [{low}, {high}]: expected low < high")
    tol = (1.0 if integer else (high - low) / 100) if tol is None else float(tol)
    if not tol > 0:
        raise ValueError(f"tol = {tol}: expected a positive bracket width (the bisection could not end)")
    c = _Curve(curve)
    p_low, p_high = c(low), c(high)
    increasing = p_high >= p_low
    worse, better = (low, high) if increasing else (high, low)
    out: dict[str, Any] = {"prob": prob, "range": [low, high], "direction": "increase" if increasing else "decrease", "tol": tol}
    if max(p_low, p_high) < prob:
        p, se = probability(c.hits[better])
        out.update(status=NOT_REACHABLE, value=None, best_value=better, p=p, se=se)
    elif c(worse) >= prob:
        p, se = probability(c.hits[worse])
        out.update(status=ALREADY, value=worse, p=p, se=se)
    else:
        a, b = worse, better  # invariant: P(a) < prob <= P(b)
        while abs(b - a) > tol:
            mid = (a + b) / 2
            if integer:
                mid = float(math.floor(mid) if b > a else math.ceil(mid))
                if mid in (a, b):
                    break
            if c(mid) >= prob:
                b = mid
            else:
                a = mid
        p, se = probability(c.hits[b])
        xs, H = _along(c, worse, better)
        # the estimate interpolates the crossing as the bootstrap does; b is the simulated value that reaches prob
        out.update(status=REACHED, value=_crossing(xs, H.mean(axis=1), prob), checked_value=b, bracket=[a, b], p=p, se=se)
    out.update(_bootstrap(c, worse, better, prob, seed))
    out["evaluations"] = [{"x": x, "p": float(h.mean())} for x, h in sorted(c.hits.items())]
    out["monotone"] = _monotone(c, worse, better)
    return out


def _along(c: _Curve, worse: float, better: float) -> tuple[np.ndarray, np.ndarray]:
    """Evaluated values ordered from the unfavourable end, and their hits (points × paths)."""
    xs = sorted(c.hits, key=lambda x: abs(x - worse))
    return np.array(xs), np.stack([c.hits[x] for x in xs])


def _bootstrap(c: _Curve, worse: float, better: float, prob: float, seed: int) -> dict:
    xs, H = _along(c, worse, better)
    n = H.shape[1]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(5,)))
    roots = []
    for _ in range(_BOOT):
        p = H[:, rng.integers(0, n, n)].mean(axis=1)
        roots.append(_crossing(xs, p, prob))
    roots = np.array(roots)
    ok = roots[np.isfinite(roots)]
    share = float(1 - ok.size / roots.size)
    if ok.size < 2:
        return {"se_value": None, "interval_90": None, "share_not_reached": share}
    return {"se_value": float(ok.std(ddof=1)), "interval_90": [float(np.quantile(ok, 0.05)), float(np.quantile(ok, 0.95))], "share_not_reached": share}


def _crossing(xs: np.ndarray, p: np.ndarray, prob: float) -> float:
    """First crossing of ``prob`` along ``xs`` (linear between evaluated values); NaN if none."""
    j = int(np.argmax(p >= prob)) if (p >= prob).any() else -1
    if j < 0:
        return float("nan")
    if j == 0:
        return float(xs[0])
    x0, x1, p0, p1 = xs[j - 1], xs[j], p[j - 1], p[j]
    return float(x0 + (prob - p0) / (p1 - p0) * (x1 - x0))


def _monotone(c: _Curve, worse: float, better: float) -> bool:
    """Whether P never falls, beyond its paired error, going toward the favourable end."""
    xs, H = _along(c, worse, better)
    for i in range(len(xs) - 1):
        d = H[i + 1].astype(float) - H[i].astype(float)
        se = d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else 0.0
        if d.mean() < -2 * se - 1e-12:
            return False
    return True


def reachable_level(values: np.ndarray, prob: float, seed: int = 0) -> dict:
    """The largest goal L with share(values ≥ L) ≥ ``prob``, with a bootstrap interval.

    Parameters
    ----------
    values : ndarray (n,)
        Simulated values of the target's quantity.
    prob : float
    seed : int

    Returns
    -------
    dict
        ``level``, ``p`` (share of paths ≥ level), ``interval_90`` and ``se_level``.
    """
    if not 0 < prob < 1:
        raise ValueError(f"prob {prob}: expected a probability strictly between 0 and 1")
    x = np.asarray(values, float)
    level = _level(x, prob)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(6,)))
    boot = np.array([_level(x[rng.integers(0, x.size, x.size)], prob) for _ in range(_BOOT)])
    return {"prob": prob, "level": level, "p": float((x >= level).mean()), "se_level": float(boot.std(ddof=1)), "interval_90": [float(np.quantile(boot, 0.05)), float(np.quantile(boot, 0.95))]}


def _level(x: np.ndarray, prob: float) -> float:
    k = math.ceil(prob * x.size - 1e-9)
    return float(np.sort(x)[::-1][max(k, 1) - 1])


# ----------------------------------------------------------------------------- on the simulation


def _hits(runner: PointRunner, target: str, at_least: float, point: Mapping[str, Any]) -> np.ndarray:
    return runner.run([point], desc="goalseek")[0].values[target] >= at_least


def _target(runner: PointRunner, target: str):
    return next(c.target for c in runner.ctx.targets if c.target.id == target)


def goalseek(runner: PointRunner, target: str, factor: Factor, prob: float, tol: float | None = None) -> dict:
    """The value of one lever (within ``factor``'s range) at which P(target) reaches ``prob``."""
    t = _target(runner, target)
    res = seek(lambda x: _hits(runner, target, t.at_least, {factor.name: factor.value(x)}), factor.low, factor.high, prob, tol, factor.integer, runner.seed)
    base = runner.ctx.scenario.levers.get(factor.name) if factor.kind == "lever" else runner.ctx.scenario.get(*factor.name.split(".", 1))
    return {"mode": "lever", "target": target, "title_zh": t.title_zh, "title_en": t.title_en, "at_least": t.at_least, "factor": factor.name, "unit": factor.unit,
            "scenario_value": base, **res, "paths": runner.n_paths, "seed": runner.seed, "seconds": runner.seconds}


def goalseek_package(runner: PointRunner, target: str, ends: Mapping[str, float], prob: float, tol: float | None = None) -> dict:
    """The smallest step ``s`` in [0, 1] along a package of levers that brings P(target) to ``prob``.

    Lever *k* moves from the scenario's value ``a_k`` to ``a_k + s (b_k - a_k)``,
    ``b_k`` being its end in ``ends``.
    """
    from .levers import LEVERS

    t = _target(runner, target)
    start = {k: runner.ctx.scenario.levers[k] for k in ends}

    def at(s: float) -> dict:
        return {k: _lever_value(k, start[k] + s * (ends[k] - start[k])) for k in ends}

    res = seek(lambda s: _hits(runner, target, t.at_least, at(s)), 0.0, 1.0, prob, tol if tol is not None else 0.01, False, runner.seed)
    if res["value"] is not None:
        res["levers_at_value"] = at(res["checked_value"] if res.get("checked_value") is not None else res["value"])
    return {"mode": "package", "target": target, "title_zh": t.title_zh, "title_en": t.title_en, "at_least": t.at_least,
            "start": start, "end": dict(ends), "units": {k: LEVERS[k].unit for k in ends}, **res, "paths": runner.n_paths, "seed": runner.seed, "seconds": runner.seconds}


def _lever_value(name: str, x: float) -> float:
    from .levers import LEVERS

    return float(round(x)) if LEVERS[name].integer else float(x)


def reverse(runner: PointRunner, target: str, prob: float) -> dict:
    """The largest level of ``target``'s quantity the scenario reaches with P ≥ ``prob``."""
    t = _target(runner, target)
    x = runner.run([{}], desc="reverse")[0].values[target]
    p_goal, se_goal = probability(x >= t.at_least)
    return {"mode": "reverse", "target": target, "title_zh": t.title_zh, "title_en": t.title_en, "at_least": t.at_least, "unit": t.target_unit,
            "p_at_goal": p_goal, "se_at_goal": se_goal, **reachable_level(x, prob, runner.seed), "paths": runner.n_paths, "seed": runner.seed}
