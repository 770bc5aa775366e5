"""The parameter table of a calibration artefact, read generically.

A comparison of two calibrations must not depend on which parameters the growth
model has this year, so this module reads the artefact's ``[params]`` table by
shape, not by name:

* a table ``{value = x, se = s}`` is a parameter with its standard error
  (name = dotted path, e.g. ``phi`` or ``macro.mu``);
* a table holding a square ``cov`` matrix rates the scalars its axes name:
  ``cov_names = ["mu", "phi", "log sigma"]`` when the artefact stores them
  (``"log x"`` means the axis is ``log(x)``, so ``se(x) = x * sqrt(var)``,
  the delta method); a 3 × 3 ``cov`` without names beside ``mu``, ``phi``
  and ``sigma`` is read in the order :class:`model.forecast.SeriesFit`
  documents, ``(mu, phi, log sigma)``;
* any other numeric scalar inside a parameter table is a parameter without a
  standard error (``se = None``): it is shown, but no test is made on it;
* ``diagnostics`` (likelihoods, AIC, convergence) and bookkeeping at the top
  of ``[params]`` (``as_of``, ``n_obs``, strings such as ``tail``) are not
  parameters; strings are kept as *labels* so a changed tail law is reported.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ParamRow", "ParamTable", "parameter_table", "read_artefact", "SKIP_TABLES"]

#: Sub-tables of ``[params]`` that hold fit diagnostics, not parameters.
SKIP_TABLES = frozenset({"diagnostics"})
#: Axis order of an unnamed 3 × 3 covariance (documented by model.forecast.SeriesFit).
_SERIESFIT_AXES = ("mu", "phi", "log sigma")


@dataclass(frozen=True)
class ParamRow:
    """One parameter: estimate and standard error (None when the artefact stores none)."""

    name: str
    value: float
    se: float | None


@dataclass(frozen=True)
class ParamTable:
    """Every parameter of an artefact, its labels and its header.

    Attributes
    ----------
    rows : dict
        Name -> :class:`ParamRow`, in the artefact's order.
    labels : dict
        String settings (e.g. ``tail``) by dotted name.
    meta : dict
        ``as_of``, ``n_obs`` and the artefact's header table (``data_hash``, ``note``...).
    path : str
        Where it was read from ('' for an in-memory table).
    """

    rows: dict
    labels: dict
    meta: dict
    path: str = ""


def read_artefact(path: Path | str) -> dict:
    """The raw TOML of a calibration artefact (``[artefact]`` and ``[params]``).

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When it is not a calibration artefact.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such calibration artefact; expected a parameters*.toml written by `attain calibrate`")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc}); expected a calibration artefact written by `attain calibrate`") from None
    if not isinstance(raw.get("params"), dict) or not isinstance(raw.get("artefact"), dict):
        raise ValueError(f"{path}: no [artefact] and [params] tables; expected a calibration artefact written by `attain calibrate`")
    return raw


def parameter_table(source: Path | str | dict) -> ParamTable:
    """Read every parameter of an artefact (file path or raw TOML dict).

    Parameters
    ----------
    source : path or dict
        An artefact file, or a dict with ``params`` (and optionally ``artefact``)
        as in the TOML, e.g. ``{"params": GrowthParams.to_dict()}``.

    Returns
    -------
    ParamTable
    """
    path = ""
    if not isinstance(source, dict):
        path = str(source)
        source = read_artefact(source)
    params = source["params"]
    rows: dict[str, ParamRow] = {}
    labels: dict[str, str] = {}
    meta = {k: v for k, v in params.items() if not isinstance(v, dict) and k in ("as_of", "n_obs")}
    meta.update({k: v for k, v in source.get("artefact", {}).items() if not isinstance(v, dict)})
    for key, val in params.items():
        if isinstance(val, dict):
            if key not in SKIP_TABLES:
                _walk(key, val, rows, labels)
        elif isinstance(val, str):
            labels[key] = val
    return ParamTable(rows, labels, meta, path)


def _walk(name: str, table: dict, rows: dict, labels: dict) -> None:
    if _is_estimate(table):
        rows[name] = ParamRow(name, _num(table["value"]), _se(table["se"]))
        return
    ses = _cov_ses(table)
    for key, val in table.items():
        full = f"{name}.{key}"
        if isinstance(val, dict):
            if key not in SKIP_TABLES:
                _walk(full, val, rows, labels)
        elif isinstance(val, str) and val not in ("inf", "-inf", "nan"):
            labels[full] = val
        elif _is_number(val):
            rows[full] = ParamRow(full, _num(val), ses.get(key))


def _is_estimate(table: dict) -> bool:
    return "value" in table and "se" in table and _is_number(table["value"]) and _is_number(table["se"])


def _is_number(x) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, (int, float)):
        return True
    return x in ("inf", "-inf", "nan")  # how the artefact stores non-finite floats


def _num(x) -> float:
    return float(x)


def _se(x) -> float | None:
    s = float(x)
    return s if math.isfinite(s) and s > 0 else None


def _cov_ses(table: dict) -> dict[str, float]:
    """Standard errors of the scalars a table's ``cov`` matrix covers (see the module docstring)."""
    cov = table.get("cov")
    if cov is None:
        return {}
    try:
        c = np.asarray(cov, dtype=float)
    except (TypeError, ValueError):
        return {}
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        return {}
    names = table.get("cov_names")
    if names is None and c.shape == (3, 3) and all(k in table for k in ("mu", "phi", "sigma")):
        names = _SERIESFIT_AXES
    if names is None or len(names) != c.shape[0]:
        return {}
    out = {}
    for i, axis in enumerate(names):
        var = c[i, i]
        if not (math.isfinite(var) and var > 0):
            continue
        if axis.startswith("log "):
            key = axis[4:]
            if _is_number(table.get(key)):
                out[key] = abs(float(table[key])) * math.sqrt(var)
        elif _is_number(table.get(axis)):
            out[axis] = math.sqrt(var)
    return out
