"""The stored calibration artefact: parameters with SEs, data hash, library versions.

``calibration/parameters.toml`` is human-readable; it is what ``attain run``
uses by default and what ``attain calibrate --check`` compares against.
"""

from __future__ import annotations

import math
import platform
import tomllib
from importlib import metadata
from pathlib import Path

import tomli_w

from .atomic import replace_text
from .calibrate import GrowthParams, fit
from .data import Panel, default_data_dir
from .hierarchy import Hierarchy

__all__ = ["default_artefact_path", "artefact_path", "save_params", "load_params", "library_versions", "calibrated_params", "CHECK_RTOL"]

#: Recalibration on the same data must reproduce the artefact to this relative tolerance.
CHECK_RTOL = 1e-5

_LIBS = ("numpy", "scipy", "pandas", "statsmodels", "simpy", "matplotlib")


def default_artefact_path() -> Path:
    """``calibration/parameters.toml`` in the repository."""
    return Path(__file__).resolve().parents[1] / "calibration" / "parameters.toml"


def artefact_path(data_dir: Path | str | None = None, as_of: int | None = None) -> Path:
    """Where the fitted parameters of a dataset live.

    Parameters
    ----------
    data_dir : path, optional
        Dataset folder; None (or the embedded folder itself) means the embedded data.
    as_of : int, optional

    Returns
    -------
    Path
        ``calibration/parameters.toml`` for the embedded data, ``DIR/parameters.toml``
        for a dataset folder ``DIR``; ``parameters_asofY.toml`` beside either for ``as_of = Y``.
    """
    path = default_artefact_path()
    if data_dir is not None and Path(data_dir).resolve() != default_data_dir().resolve():
        path = Path(data_dir) / "parameters.toml"
    return path if as_of is None else path.with_name(f"parameters_asof{as_of}.toml")


def library_versions() -> dict[str, str]:
    """Versions of Python and the numerical libraries (for manifests)."""
    out = {"python": platform.python_version()}
    for lib in _LIBS:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "absent"
    return out


def save_params(params: GrowthParams, data_hash: str, path: Path | None = None, note: str = "") -> Path:
    """Write the artefact atomically (temp file + rename).

    Parameters
    ----------
    params : GrowthParams
    data_hash : str
        :meth:`model.data.Panel.data_hash` of the data it was fitted on.
    path : Path, optional
    note : str
        Free text stored in the header table (e.g. "illustrative data").

    Returns
    -------
    Path
    """
    path = path or default_artefact_path()
    body = {"artefact": {"data_hash": data_hash, "note": note, "versions": library_versions()}, "params": _finite(params.to_dict())}
    text = _HEADER + tomli_w.dumps(body)
    replace_text(text, path)  # never leaves a half-written artefact next to the real one
    return path


def load_params(path: Path | None = None) -> tuple[GrowthParams, dict]:
    """Read the artefact; returns the parameters and the header table."""
    path = path or default_artefact_path()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no stored calibration; run `attain calibrate` first")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return GrowthParams.from_dict(_infinite(raw["params"])), raw["artefact"]


def calibrated_params(panel: Panel, h: Hierarchy, as_of: int | None, artefact: Path | None = None) -> tuple[GrowthParams, str]:
    """Stored parameters when they match the data; otherwise calibrate now.

    Parameters
    ----------
    panel : Panel
        Already truncated to ``as_of``.
    h : Hierarchy
    as_of : int or None
    artefact : Path, optional
        Stored parameters to try (default ``calibration/parameters.toml``).

    Returns
    -------
    (GrowthParams, str)
        The parameters and where they come from (for reports and manifests).
    """
    artefact = artefact or artefact_path()
    try:
        params, header = load_params(artefact)
    except FileNotFoundError:
        params, header = None, {}
    if params is not None and header.get("data_hash") == panel.data_hash() and as_of in (None, params.as_of):
        return params, f"stored {_short(artefact)}"
    province = panel.province_revenue()
    return fit(h, province, int(panel.years[-1])), f"calibrated on the fly (as of {panel.years[-1]})"


def _short(path: Path) -> str:
    """``calibration/parameters.toml`` for the repository's own artefact, else the full path."""
    root = Path(__file__).resolve().parents[1]
    return str(path.resolve().relative_to(root)) if path.resolve().is_relative_to(root) else str(path)


_HEADER = """# Fitted parameters of the growth model (model.calibrate), written by `attain calibrate`.
# Each estimate has its standard error; runs draw every path's parameters from them.
# phi: persistence of a firm's excess growth; tau: sd of the industry shock per year;
# rho: persistence (AR(1)) of the industry shocks; sigma, beta: idiosyncratic volatility
# = sigma * size^-beta (size in 亿元), drawn jointly (sigma_beta_corr);
# df: Student-t degrees of freedom of the innovations (tail = law chosen by AIC; not drawn);
# macro: posterior of the province's damped trend under the DEFAULT [macro] view (mu long-run
# log-growth, phi persistence, start growth; data_weight = share of posterior precision from
# the data); a scenario's own [macro] view is combined with the same province totals at run time.
"""


def _finite(obj):
    """TOML has no null: store non-finite floats as strings."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj


def _infinite(obj):
    if isinstance(obj, dict):
        return {k: _infinite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_infinite(v) for v in obj]
    if obj in ("inf", "-inf", "nan"):
        return float(obj)
    return obj
