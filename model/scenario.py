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
    long_run_growth = 0.10          # your view of the province's long-run nominal log-growth ...
    long_run_growth_sd = 0.03       # ... and how sure you are (see model.macro_view)

    [pipeline]
    enabled = true                  # false: organic growth only, no new projects

    [levers]                        # see `attain levers`
    signed_per_year_jx_major = 100

Every unknown key, wrong type or out-of-range value raises
:class:`model.errors.ScenarioError` naming the file, the key and what is allowed.
Each file of an inheritance chain is validated on its own, so an error in a
parent names the parent. ``inherits`` is looked up next to the file first, then
among the shipped scenarios (a note says so).

A file without ``inherits`` starts from the lever defaults (``attain levers``),
not from the baseline scenario; unless it is the shipped baseline itself, the
scenario carries a note saying so (printed by ``attain run``).
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
from .levers import LEVERS, validate_levers
from .macro_view import DEFAULT_VIEW, MacroView, view_from_settings

__all__ = ["Scenario", "load_scenario", "default_scenario_dir", "SCHEMA"]

#: section -> key -> (type, low, high, default, help)
SCHEMA: dict[str, dict[str, tuple]] = {
    "scenario": {
        "name": (str, None, None, "", "short name"),
        "description": (str, None, None, "", "one line for reports"),
        "description_en": (str, None, None, "", "English description"),
        "inherits": (str, None, None, "", "a parent scenario file name such as \"baseline.toml\""),
        "paths": (int, 100, 1_000_000, 2000, "Monte Carlo paths"),
        "seed": (int, 0, 2**63 - 1, 20140101, "root seed"),
        "block_size": (int, 50, 100_000, 250, "paths per block (fixes the random streams)"),
        "horizon": (int, 2016, 2030, 2025, "last simulated year"),
    },
    "macro": {
        "shift": (float, -0.3, 0.3, 0.0, "added to macro log-growth each year"),
        "shift_from": (int, 2014, 2030, 2014, "first year of the shift"),
        "widen": (bool, None, None, False, "also apply the M4 benchmark's interval widening to the province path (off: M4 is no reference for Jiangxi)"),
        # The stated macro view (prior), combined with the province's data by model.macro_view;
        # defaults and their provenance are documented there and in the README.
        "long_run_growth": (float, -0.10, 0.40, DEFAULT_VIEW.long_run_growth, "prior mean of the province's long-run nominal log-growth"),
        "long_run_growth_sd": (float, 0.001, 0.20, DEFAULT_VIEW.long_run_growth_sd, "prior sd of the long-run growth"),
        "persistence": (float, 0.01, 0.99, DEFAULT_VIEW.persistence, "prior mean of the persistence of growth deviations (Beta)"),
        "persistence_sd": (float, 0.01, 0.45, DEFAULT_VIEW.persistence_sd, "prior sd of the persistence"),
        "shock_sd": (float, 0.005, 0.30, DEFAULT_VIEW.shock_sd, "prior median of the yearly macro growth shock sd"),
        "measurement_sd": (float, 0.0, 0.10, DEFAULT_VIEW.measurement_sd, "noise of observed log revenue in the start-state filter"),
        "start": (str, None, None, DEFAULT_VIEW.start, "\"filtered\" (Kalman-filtered growth at the last data year) or \"last_observed\""),
        "parameter_uncertainty": (bool, None, None, DEFAULT_VIEW.parameter_uncertainty, "draw every path's parameters from their posterior (false: point estimates)"),
    },
    "pipeline": {
        "enabled": (bool, None, None, True, "simulate the project pipeline"),
        "policy_start": (int, 0, 2030, 0, "first year the levers act (0 or a year before the first simulated year: the first simulated year)"),
    },
    # Entry and exit for count targets (model/counts.py; README "Counts: entry, exit and made-up starting values").
    "counts": {
        "exit_hazard": (float, 0.0, 0.5, 0.03, "yearly exit/restructuring hazard of a 10亿 firm (0: no exit)"),
        "exit_size_elasticity": (float, 0.0, 2.0, 0.3, "hazard ∝ size^-elasticity (0: the same for every size)"),
        "below_floor": (bool, None, None, True, "untracked firms below the tracking floor can grow across count thresholds"),
        "below_floor_depth": (float, 0.1, 0.95, 0.5, "below-floor firms are modelled down to this share of the floor"),
        "separate_entrants": (bool, None, None, True, "count new entrants at one (park, cluster) site as separate firms"),
        "synthetic_sd": (float, 0.0, 1.0, 0.3, "log-sd of a made-up (synthetic) 2013 enterprise value (0: fixed)"),
        "synthetic_sd_aggregate": (float, 0.0, 1.0, 0.15, "log-sd of a made-up 2013 park or cluster total (0: fixed)"),
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
        Files read, parent first (a shipped parent found by name is listed with its full path).
    notes : tuple of str
        Things a planner should know about how the scenario was read (no
        ``inherits``; a parent taken from the shipped scenarios).
    """

    path: Path
    settings: dict[str, dict[str, Any]]
    levers: dict[str, float]
    chain: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.settings["scenario"]["name"] or self.path.stem

    def get(self, section: str, key: str) -> Any:
        return self.settings[section][key]

    def years(self, first: int = 2014) -> np.ndarray:
        return np.arange(first, self.get("scenario", "horizon") + 1)

    def macro_view(self) -> MacroView:
        """The stated macro view of the ``[macro]`` section."""
        return view_from_settings(self.settings["macro"])

    def macro_shift(self, years: np.ndarray) -> np.ndarray:
        """Per-year shift of macro log-growth."""
        return np.where(years >= self.get("macro", "shift_from"), self.get("macro", "shift"), 0.0)

    def with_overrides(self, **scenario_keys: Any) -> "Scenario":
        """Copy with some ``[scenario]`` keys replaced (e.g. paths, seed from the CLI).

        A bad value is reported as the command-line flag, e.g.
        ``--paths 50: expected 100 to 1,000,000 (Monte Carlo paths)``.
        """
        settings = {k: dict(v) for k, v in self.settings.items()}
        for key, value in scenario_keys.items():
            if value is not None:
                settings["scenario"][key] = _check_flag("scenario", key, value)
        return Scenario(self.path, settings, self.levers, self.chain, self.notes)

    def digest(self) -> str:
        """Hash of the effective settings and levers (for manifests)."""
        blob = json.dumps({"settings": self.settings, "levers": self.levers}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_scenario(path: Path | str) -> Scenario:
    """Read, merge (inheritance) and validate a scenario file.

    Parameters
    ----------
    path : path
        A TOML file; a bare name like ``baseline`` is looked up in ``scenarios/``
        (an existing file of that name is preferred; a folder is not a scenario).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Naming the file (the parent's file for an error in a parent), the key and
        what is allowed.
    """
    path = _resolve(path)
    merged = _merged(path, ())
    settings = _validate(merged.raw, str(path))
    levers = validate_levers(merged.raw.get("levers", {}), f"{path} [levers]")
    _check_shift_within_horizon(settings, merged.origin)
    _check_macro_view(settings, merged.origin)
    notes = merged.notes + _no_inherits_note(merged, levers) + _idle_levers_note(merged, settings)
    return Scenario(path, _own_description(settings, merged, path), levers, merged.chain, notes)


def _own_description(settings: dict, merged: "_Merged", path: Path) -> dict:
    """A scenario shows only its own description; an inherited one is labelled as such."""
    out = {k: dict(v) for k, v in settings.items()}
    parent = Path(merged.chain[-2]).stem if len(merged.chain) > 1 else None
    for key, text in (("description", "(无自己的描述;继承自 {p})"), ("description_en", "(no description of its own; inherits from {p})")):
        if parent and merged.origin.get(("scenario", key), str(path)) != str(path):
            out["scenario"][key] = text.format(p=parent)
    return out


def _idle_levers_note(merged: "_Merged", settings: dict) -> tuple[str, ...]:
    """Levers set where the pipeline is disabled cannot act: say so (printed by ``attain run``, kept in the manifest)."""
    if settings["pipeline"]["enabled"]:
        return ()
    off = merged.origin.get(("pipeline", "enabled"), "")
    order = {f: i for i, f in enumerate(merged.chain)}
    idle = sorted(k for (sec, k), f in merged.origin.items() if sec == "levers" and order.get(f, -1) >= order.get(off, 0))
    if not idle:
        return ()
    return (f"[pipeline] enabled = false (in {off}), so no projects are simulated and the levers set in [levers] cannot act: {', '.join(idle)}",)


@dataclass(frozen=True)
class _Merged:
    raw: dict
    chain: tuple[str, ...]
    origin: dict[tuple[str, str], str]
    notes: tuple[str, ...]


def _resolve(path: Path | str, referrer: tuple[Path, str] | None = None) -> Path:
    """A scenario file: the path itself if it is a file, else the shipped scenario of that name.

    ``referrer`` is ``(file, inherits value)`` when the path comes from an ``inherits`` key.
    """
    p = Path(path)
    if p.is_file():
        return p.resolve()
    alt = default_scenario_dir() / (p.name if p.suffix else f"{p.name}.toml")
    if alt.is_file():
        return alt
    known = sorted(q.stem for q in default_scenario_dir().glob("*.toml"))
    if referrer is not None:
        file, name = referrer
        what = "is a folder" if p.is_dir() else "file not found"
        raise ScenarioError(
            f"{file}: [scenario] inherits = {name!r}: {what} (looked for {p} and in {default_scenario_dir()}); "
            f"expected a scenario file next to it or one of {known}"
        )
    if p.is_dir():
        raise ScenarioError(f"{path}: is a folder; expected a scenario TOML file or one of {known}")
    import difflib

    close = difflib.get_close_matches(p.stem, known, n=1)
    maybe = f" (did you mean '{close[0]}'?)" if close else ""
    raise ScenarioError(f"{path}: scenario file not found{maybe}; expected a TOML file or one of {known}")


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad saves "UTF-8" with a byte-order mark
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02X} at offset {exc.start}){_gbk_hint(exc.object)}; save the scenario file as UTF-8") from None
    if text.lstrip().startswith(("{", "[{")) and path.suffix.lower() == ".json":
        raise ScenarioError(f"{path}: is a JSON file (a result of --json?), not a scenario; expected a scenario TOML file such as scenarios/baseline.toml")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc}){_toml_hint(text, str(exc))}") from None


def _toml_hint(text: str, message: str = "") -> str:
    """The Chinese-keyboard slips behind most TOML errors in planners' files."""
    hints = []
    if message.startswith(("Cannot overwrite a value", "Cannot declare")):
        hints.append("a key or a [section] is given twice (a line copied and edited?): keep one, and change its value there")
    if any(c in text for c in "“”‘’"):
        hints.append("Chinese quotes “ ” are not TOML quotes: type straight quotes \" \"")
    if any(c in text for c in "＝：，［］"):
        hints.append("full-width ＝ ： ， ［ ］ (Chinese input mode) are not TOML: type = , [ ] in English input mode")
    return "; " + "; ".join(hints) if hints else ""


def _gbk_hint(data: bytes) -> str:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "; it looks like GBK/GB18030 (the Chinese Windows default)"


def _merged(path: Path, seen: tuple[str, ...]) -> _Merged:
    """The file merged over its parents; each file is validated on its own first."""
    if str(path) in seen:
        raise ScenarioError(f"{path}: 'inherits' forms a cycle: {' -> '.join(seen + (str(path),))}")
    raw = _read(path)
    _validate(raw, str(path))
    validate_levers(raw.get("levers", {}), f"{path} [levers]")
    origin = {(sec, key): str(path) for sec, table in raw.items() for key in table}
    parent = raw.get("scenario", {}).get("inherits", "")
    if not parent:
        return _Merged(raw, (str(path),), origin, ())
    candidate = path.parent / parent
    base = _merged(_resolve(candidate, referrer=(path, parent)), seen + (str(path),))
    notes = base.notes
    if not candidate.is_file():
        notes += (f"{path}: inherits = {parent!r} is not next to it; using the shipped {base.chain[-1]}",)
    merged = {sec: {**base.raw.get(sec, {}), **raw.get(sec, {})} for sec in set(base.raw) | set(raw)}
    merged["scenario"]["inherits"] = parent
    return _Merged(merged, base.chain + (str(path),), {**base.origin, **origin}, notes)


def _validate(raw: dict, file: str) -> dict[str, dict[str, Any]]:
    _check_sections(raw, file)
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


_DATASET_KEYS = {"first_year", "last_year"}


def _check_sections(raw: dict, file: str) -> None:
    if _DATASET_KEYS <= set(raw):
        raise ScenarioError(
            f"{file}: is a dataset description (dataset.toml: name, first_year, last_year), not a scenario; "
            "give a dataset folder with --data FOLDER, and a scenario file with [scenario] and [levers] sections (see scenarios/baseline.toml)"
        )
    for key in sorted(set(raw) - set(SCHEMA) - {"levers"}):
        value = raw[key]
        if isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
            known = sorted(SCHEMA) + ["levers"]
            close = [k for k in known if k == key.lower().strip()] or __import__("difflib").get_close_matches(key.lower(), known, n=1)
            maybe = f" (did you mean [{close[0]}]? names are lower-case)" if close else ""
            raise ScenarioError(f"{file}: unknown section [{key}]{maybe}; expected sections {known}")
        raise ScenarioError(f"{file}: key '{key}' = {value!r} is outside any section; put it under {_home(key)}")


def _home(key: str) -> str:
    """The section a misplaced top-level key belongs in."""
    if key in LEVERS:
        return "[levers]"
    sections = [f"[{sec}]" for sec, spec in SCHEMA.items() if key in spec]
    return sections[0] if sections else "[levers] or [scenario]"


def _coerce(section: str, key: str, value: Any) -> tuple[Any, bool, bool]:
    """``(value, right type, in range)``; an int is accepted for a float key."""
    typ, low, high = SCHEMA[section][key][:3]
    ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    return value, ok, ok and (low is None or low <= value <= high)


def _check_value(file: str, section: str, key: str, value: Any) -> Any:
    typ, low, high, _, help_ = SCHEMA[section][key]
    value, typed, in_range = _coerce(section, key, value)
    if not typed:
        allowed = f" from {low} to {high}" if low is not None else ""
        raise ScenarioError(f"{file}: [{section}] {key} = {value!r}: expected {typ.__name__}{allowed} ({help_})")
    if not in_range:
        raise ScenarioError(f"{file}: [{section}] {key} = {value!r} is out of range; allowed {low} to {high} ({help_})")
    return value


def _check_flag(section: str, key: str, value: Any) -> Any:
    """Validate a command-line override; the message names the flag, not a file."""
    typ, low, high, _, help_ = SCHEMA[section][key]
    value, typed, in_range = _coerce(section, key, value)
    if not in_range:
        kind = "" if typed else f"{typ.__name__} from "
        allowed = f"{kind}{low:,} to {high:,}" if low is not None else typ.__name__
        raise ScenarioError(f"--{key.replace('_', '-')} {value!r}: expected {allowed} ({help_})")
    return value


def _check_shift_within_horizon(settings: dict, origin: dict[tuple[str, str], str]) -> None:
    shift, start, horizon = settings["macro"]["shift"], settings["macro"]["shift_from"], settings["scenario"]["horizon"]
    if shift != 0 and start > horizon:
        where = origin.get(("macro", "shift_from"), "default")
        h_from = origin.get(("scenario", "horizon"), "the default")
        raise ScenarioError(
            f"{where}: [macro] shift_from = {start} is after the last simulated year "
            f"([scenario] horizon = {horizon}, from {h_from}), so shift = {shift} would never apply; "
            f"expected shift_from <= {horizon}"
        )


def _check_macro_view(settings: dict, origin: dict[tuple[str, str], str]) -> None:
    """The [macro] view must make a proper prior (Beta-compatible persistence, a known start rule)."""
    try:
        view_from_settings(settings["macro"])
    except ScenarioError as exc:
        key = "start" if "start =" in str(exc) else "persistence_sd"
        where = origin.get(("macro", key), origin.get(("macro", "persistence"), "default"))
        raise ScenarioError(f"{where}: {exc}") from None


def _no_inherits_note(merged: _Merged, levers: dict[str, float]) -> tuple[str, ...]:
    """A note when the chain does not start at the shipped baseline and lever defaults differ from it."""
    root = Path(merged.chain[0])
    baseline = default_scenario_dir() / "baseline.toml"
    if root == baseline or not baseline.is_file():
        return ()
    base = load_scenario(baseline).levers
    given = merged.raw.get("levers", {})
    differ = [k for k in levers if k not in given and levers[k] != base[k]]
    if not differ:
        return ()
    example = "; ".join(f"{k} = {levers[k]:g} (baseline {base[k]:g})" for k in differ[:3])
    more = f"; and {len(differ) - 3} more" if len(differ) > 3 else ""
    return (
        f"{root} has no 'inherits', so the levers it does not set take the defaults of `attain levers`, "
        f"not the baseline scenario's: {example}{more}; add inherits = \"baseline.toml\" under [scenario] "
        "to start from the baseline",
    )
