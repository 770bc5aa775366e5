"""Assertion helpers for regression tests on calibration (in the spirit of ``xarray.testing``).

Planners keep tests such as::

    from model.testing import assert_params_close
    from model.artefact import load_params

    def test_calibration_is_stable():
        stored, _ = load_params()
        assert_params_close(recalibrate(), stored, rtol=1e-6)

A failure prints one readable line per parameter beyond tolerance.
"""

from __future__ import annotations

import numpy as np

from .calibrate import GrowthParams

__all__ = ["assert_params_close", "params_diff", "assert_coherent", "flatten_params"]


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
