"""Assertion helpers for regression tests on calibration (in the spirit of ``xarray.testing``).

Planners keep tests such as::

    from model.testing import assert_params_close
    from model.artefact import load_params

    def test_calibration_is_stable():
        stored, _ = load_params()
        assert_params_close(recalibrate(), stored, rtol=1e-6)

A failure prints one readable line per parameter beyond tolerance.

Tolerances in standard errors (what changed beyond its uncertainty)::

    from model.testing import assert_calibration_stable, assert_probabilities_close

    assert_calibration_stable("calibration/parameters_asof2012.toml", "calibration/parameters.toml")
    assert_probabilities_close("out/last_meeting/summary.json", "out/today/summary.json", n_se=4)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .calibrate import GrowthParams

__all__ = ["assert_params_close", "params_diff", "assert_coherent", "flatten_params", "assert_calibration_stable", "assert_probabilities_close", "probability_diff", "tolerance", "N_SE"]

#: Tolerance in standard errors of the difference (probability checks, golden results).
N_SE = 4.0


def flatten_params(p: GrowthParams | dict) -> dict[str, float]:
    """``{"phi": .., "phi.se": .., "macro.mu": .., ...}`` of every numeric parameter."""
    d = p.to_dict() if isinstance(p, GrowthParams) else p
    out: dict[str, float] = {}
    for key in ("phi", "tau", "sigma", "beta", "df"):
        out[key] = float(d[key]["value"])
        out[f"{key}.se"] = float(d[key]["se"])
    for key in ("mu", "phi", "sigma", "df", "last_level", "last_growth"):
        out[f"macro.{key}"] = float(d["macro"][key])
    return out


def params_diff(actual: GrowthParams | dict, expected: GrowthParams | dict, rtol: float = 1e-6, atol: float = 1e-9) -> list[str]:
    """Lines describing every parameter outside ``atol + rtol * |expected|``."""
    a, e = flatten_params(actual), flatten_params(expected)
    lines = []
    for key in sorted(e):
        tol = atol + rtol * abs(e[key])
        both_inf = np.isinf(a[key]) and np.isinf(e[key]) and np.sign(a[key]) == np.sign(e[key])
        if not both_inf and not abs(a[key] - e[key]) <= tol:
            lines.append(f"  {key:18s} expected {e[key]:<14.6g} actual {a[key]:<14.6g} diff {a[key] - e[key]:+.3g} (tolerance {tol:.3g})")
    if isinstance(actual, GrowthParams) and isinstance(expected, GrowthParams) and actual.tail != expected.tail:
        lines.append(f"  tail               expected {expected.tail} actual {actual.tail}")
    return lines


def assert_params_close(actual: GrowthParams | dict, expected: GrowthParams | dict, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Raise ``AssertionError`` listing every parameter beyond tolerance.

    Parameters
    ----------
    actual, expected : GrowthParams or dict (from ``to_dict``)
    rtol, atol : float
        A parameter passes when ``|actual - expected| <= atol + rtol * |expected|``.
    """
    lines = params_diff(actual, expected, rtol, atol)
    if lines:
        raise AssertionError("calibration differs from the expected parameters:\n" + "\n".join(lines))


def assert_coherent(matrix: np.ndarray, leaves: np.ndarray, nodes: np.ndarray, rtol: float = 1e-9) -> None:
    """Check that every aggregate equals the sum of its leaves in every path and year.

    Parameters
    ----------
    matrix : ndarray (n_nodes, n_leaves)
    leaves : ndarray (..., n_leaves, n_years)
    nodes : ndarray (..., n_nodes, n_years)
    """
    expected = np.einsum("nl,...ly->...ny", matrix, leaves)
    bad = ~np.isclose(nodes, expected, rtol=rtol, atol=1e-9)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(f"{int(bad.sum())} incoherent aggregate value(s); first at index {idx}: {nodes[idx]:.6g} != sum of leaves {expected[idx]:.6g}")


def _table(x):
    """A parameter table from an artefact path, a raw artefact dict, ``GrowthParams`` or a ``ParamTable``."""
    from .param_table import ParamTable, parameter_table

    if isinstance(x, ParamTable):
        return x
    if isinstance(x, GrowthParams):
        return parameter_table({"params": x.to_dict()})
    if isinstance(x, dict) and "params" not in x:
        return parameter_table({"params": x})  # GrowthParams.to_dict()
    return parameter_table(x)


def assert_calibration_stable(old, new, z: float | None = None, alpha: float = 0.05, nested: bool = False) -> None:
    """Raise ``AssertionError`` naming every parameter that moved beyond its uncertainty.

    Parameters
    ----------
    old, new : path, dict, GrowthParams or ParamTable
        Calibration artefacts (files), their raw TOML, fitted parameters, or tables.
    z : float, optional
        Fixed threshold on ``|z|`` for every parameter, with ``z = change / sqrt(se_old² + se_new²)``.
        Default: Holm's procedure at family-wise false-alarm rate ``alpha`` (see :mod:`model.drift`).
    alpha : float
    nested : bool
        Overlap correction (the old data are a subset of the new).
    """
    from .drift import compare_tables

    c = compare_tables(_table(old), _table(new), alpha=alpha, nested=nested)
    lines = []
    for x in c.changes:
        if x.z is None:
            continue
        limit = z if z is not None else x.threshold
        bad = abs(x.z) > limit if z is not None else x.verdict == "drift"
        if bad:
            lines.append(f"  {x.name:18s} old {x.old:<10.4g} ± {x.se_old:<8.2g} new {x.new:<10.4g} ± {x.se_new:<8.2g} z {x.z:+.2f} (limit |z| {limit:.2f})")
    if lines:
        rule = f"|z| > {z:g}" if z is not None else f"Holm at family-wise false-alarm rate {alpha:g}"
        raise AssertionError(f"calibration drifted ({rule}; z = change / sqrt(se_old² + se_new²)):\n" + "\n".join(lines))


def _summary(x) -> dict:
    """A run summary from a dict, a summary.json file or a result folder."""
    if isinstance(x, dict):
        return x
    path = Path(x)
    if path.is_dir():
        path = path / "summary.json"
    return json.loads(path.read_text(encoding="utf-8"))


def tolerance(se_a: float, se_b: float, n: int, n_se: float = N_SE) -> float:
    """How far a probability may move between two runs of ``n`` paths: ``n_se * sqrt(se_a² + se_b²) + 1/n``.

    The standard error of the difference is taken as for independent runs,
    which overstates it for runs sharing random numbers (conservative: fewer
    false alarms); ``1/n`` (one path) keeps p = 0 or 1 from alarming on noise.
    """
    return n_se * math.sqrt(se_a**2 + se_b**2) + 1.0 / n


def probability_diff(results_a, results_b, n_se: float = 4.0) -> list[str]:
    """One line per target whose probability moved beyond ``n_se`` standard errors + 1/n.

    The tolerance of a target is ``n_se * sqrt(se_a² + se_b²) + 1/min(n_a, n_b)``:
    the two runs' Monte Carlo errors as if independent (conservative for runs
    sharing random numbers), plus one path's worth of probability so that
    p = 0 or 1 on few paths is not over-read. Targets evaluable in one run only
    are listed too.
    """
    a = {t["id"]: t for t in _summary(results_a)["targets"] if t.get("evaluable")}
    b = {t["id"]: t for t in _summary(results_b)["targets"] if t.get("evaluable")}
    lines = []
    for tid in sorted(set(a) | set(b)):
        if tid not in a or tid not in b:
            lines.append(f"  {tid:22s} only in {'b' if tid not in a else 'a'}")
            continue
        ta, tb = a[tid], b[tid]
        tol = tolerance(ta["se"], tb["se"], min(ta["n_paths"], tb["n_paths"]), n_se)
        d = tb["probability"] - ta["probability"]
        if abs(d) > tol:
            lines.append(f"  {tid:22s} a {ta['probability']:.3f} ± {ta['se']:.3f}  b {tb['probability']:.3f} ± {tb['se']:.3f}  ΔP {d:+.3f} (tolerance {tol:.3f})")
    return lines


def assert_probabilities_close(results_a, results_b, n_se: float = 4.0) -> None:
    """Raise ``AssertionError`` listing every target whose P moved beyond its Monte Carlo tolerance.

    Parameters
    ----------
    results_a, results_b : dict or path
        Run summaries (:func:`model.summary.summarise`), ``summary.json`` files or result folders.
    n_se : float
        Tolerance in standard errors of the difference (see :func:`probability_diff`).
    """
    lines = probability_diff(results_a, results_b, n_se)
    if lines:
        raise AssertionError(f"probabilities moved beyond {n_se:g} standard errors + 1/n:\n" + "\n".join(lines))
