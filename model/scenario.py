"""Scenario files (TOML): levers, macro path, paths, seed; inheritance and validation.

A scenario file looks like::

    [scenario]
    name = "slowdown"
    inherits = "baseline.toml"      # optional, relative to this file
    description = "A national downturn: 3 points less macro growth a year from 2015."
    paths = 2000
    seed = 20140101

    [macro]
    shift = -0.03                   # added to macro log-growth every year
    shift_from = 2015               # first year the shift applies
    widen = true                    # M4-calibrated interval widening of the macro path

    [pipeline]
    enabled = true                  # false: organic growth only, no new projects

    [levers]                        # see `attain levers`
    signed_per_year_jx_major = 100

Every unknown key, wrong type or out-of-range value raises
:class:`model.errors.ScenarioError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ScenarioError
from .levers import validate_levers

__all__ = ["Scenario", "load_scenario", "default_scenario_dir", "SCHEMA"]

#: section -> key -> (type, low, high, default, help)
SCHEMA: dict[str, dict[str, tuple]] = {
    "scenario": {
        "name": (str, None, None, "", "short name"),
        "description": (str, None, None, "", "one line for reports"),
        "description_en": (str, None, None, "", "English description"),
        "inherits": (str, None, None, "", "parent scenario file"),
        "paths": (int, 100, 1_000_000, 2000, "Monte Carlo paths"),
        "seed": (int, 0, 2**63 - 1, 20140101, "root seed"),
        "block_size": (int, 50, 100_000, 250, "paths per block (fixes the random streams)"),
        "horizon": (int, 2016, 2030, 2025, "last simulated year"),
    },
    "macro": {
        "shift": (float, -0.3, 0.3, 0.0, "added to macro log-growth each year"),
        "shift_from": (int, 2014, 2030, 2014, "first year of the shift"),
        "widen": (bool, None, None, True, "M4-calibrated widening of the macro path"),
    },
    "pipeline": {
        "enabled": (bool, None, None, True, "simulate the project pipeline"),
    },
}


def default_scenario_dir() -> Path:
    """The scenarios shipped with the tool."""
    return Path(__file__).resolve().parents[1] / "scenarios"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes
    ----------
    path : Path
    settings : dict
        ``section -> key -> value`` with defaults filled in.
    levers : dict
        Every lever with its value (scenario or default).
    chain : tuple of str
        Files read, parent first.
    """

    path: Path
    settings: dict[str, dict[str, Any]]
    levers: dict[str, float]
    chain: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.settings["scenario"]["name"] or self.path.stem

    def get(self, section: str, key: str) -> Any:
        return self.settings[section][key]

    def years(self, first: int = 2014) -> np.ndarray:
        return np.arange(first, self.get("scenario", "horizon") + 1)

    def macro_shift(self, years: np.ndarray) -> np.ndarray:
        """Per-year shift of macro log-growth."""
        return np.where(years >= self.get("macro", "shift_from"), self.get("macro", "shift"), 0.0)

    def with_overrides(self, **scenario_keys: Any) -> "Scenario":
        """Copy with some ``[scenario]`` keys replaced (e.g. paths, seed from the CLI)."""
        settings = {k: dict(v) for k, v in self.settings.items()}
        for key, value in scenario_keys.items():
            if value is not None:
                settings["scenario"][key] = _check_value(str(self.path), "scenario", key, value)
        return Scenario(self.path, settings, self.levers, self.chain)

    def digest(self) -> str:
        """Hash of the effective settings and levers (for manifests)."""
        blob = json.dumps({"settings": self.settings, "levers": self.levers}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_scenario(path: Path | str) -> Scenario:
    """Read, merge (inheritance) and validate a scenario file.

    Parameters
    ----------
    path : path
        A TOML file; a bare name like ``baseline`` is looked up in ``scenarios/``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
    """
    path = _resolve(path)
    raw, chain = _merged(path, ())
    settings = _validate(raw, str(path))
    levers = validate_levers(raw.get("levers", {}), f"{path} [levers]")
    return Scenario(path, settings, levers, chain)


def _resolve(path: Path | str) -> Path:
    p = Path(path)
    if p.exists():
        return p.resolve()
    alt = default_scenario_dir() / (p.name if p.suffix else f"{p.name}.toml")
    if alt.exists():
        return alt
    known = sorted(q.stem for q in default_scenario_dir().glob("*.toml"))
    raise ScenarioError(f"{path}: scenario file not found; expected a TOML file or one of {known}")


def _merged(path: Path, seen: tuple[str, ...]) -> tuple[dict, tuple[str, ...]]:
    if str(path) in seen:
        raise ScenarioError(f"{path}: 'inherits' forms a cycle: {' -> '.join(seen + (str(path),))}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    head = raw.get("scenario", {})
    parent = head.get("inherits", "") if isinstance(head, dict) else ""
    if not parent:
        return raw, (str(path),)
    base, chain = _merged(_resolve(path.parent / parent), seen + (str(path),))
    merged = {sec: _merge_section(base.get(sec, {}), raw.get(sec, {})) for sec in set(base) | set(raw)}
    merged["scenario"]["inherits"] = parent
    return merged, chain + (str(path),)


def _merge_section(base: Any, child: Any) -> Any:
    """Child keys over parent keys; a non-table is kept as is so validation can name it."""
    if isinstance(base, dict) and isinstance(child, dict):
        return {**base, **child}
    return child if child != {} else base


def _validate(raw: dict, file: str) -> dict[str, dict[str, Any]]:
    unknown = sorted(set(raw) - set(SCHEMA) - {"levers"})
    if unknown:
        raise ScenarioError(f"{file}: unknown section [{unknown[0]}]; expected sections {sorted(SCHEMA) + ['levers']}")
    out = {}
    for section, spec in SCHEMA.items():
        given = raw.get(section, {})
        if not isinstance(given, dict):
            raise ScenarioError(f"{file}: [{section}] must be a table")
        for key in given:
            if key not in spec:
                raise ScenarioError(f"{file}: unknown key '{key}' in [{section}]; expected one of {sorted(spec)}")
        out[section] = {key: _check_value(file, section, key, given.get(key, spec[key][3])) for key in spec}
    return out


def _check_value(file: str, section: str, key: str, value: Any) -> Any:
    typ, low, high, _, help_ = SCHEMA[section][key]
    ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        allowed = f" from {low} to {high}" if low is not None else ""
        raise ScenarioError(f"{file}: [{section}] {key} = {value!r}: expected {typ.__name__}{allowed} ({help_})")
    if low is not None and not low <= value <= high:
        raise ScenarioError(f"{file}: [{section}] {key} = {value!r} is out of range; allowed {low} to {high} ({help_})")
    return value
