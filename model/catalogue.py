"""The target catalogue: every quantified target of the five policy documents.

``calibration/targets.toml`` holds one ``[[target]]`` table per target and one
``[[fiscal_schedule]]`` table per reward schedule (rewards for first crossing
revenue steps, whose cost the tool forecasts).  This module loads the file,
validates it strictly (every problem names the file, the entry's index and id,
the key, the bad value and what was expected), checks that the entities it
refers to exist, and formats it for the terminal.

Examples
--------
>>> from model.catalogue import load_catalogue, format_table
>>> targets = load_catalogue()
>>> print(format_table([t for t in targets if t.year == 2016][:3]))  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "CatalogueError",
    "Scope",
    "Target",
    "Step",
    "FiscalSchedule",
    "KINDS",
    "METRICS",
    "ENTITY_KINDS",
    "CLUSTER_LEVELS",
    "REGION_LEVELS",
    "PROGRAMMES",
    "UNITS",
    "YEARS",
    "MODEL_YEARS",
    "EVALUABLE_METRICS",
    "INNOVATION_METRICS",
    "default_catalogue_path",
    "load_catalogue",
    "load_fiscal_schedules",
    "check_scope",
    "summary",
    "format_table",
    "reward_due",
]

#: Target kinds.
KINDS: tuple[str, ...] = (
    "aggregate_level",
    "count_over_threshold",
    "entity_level",
    "flow_count",
    "ratio_share",
    "other_count",
    "qualitative",
)
#: Quantities a target is stated in.
METRICS: tuple[str, ...] = (
    "revenue",
    "project_starts",
    "project_completions",
    "projects_signed",
    "projects_reserve",
    "projects_scheduled",
    "tax",
    "investment",
    "tech_upgrade_investment",
    "rd_share",
    "rd_unit_share",
    "upgrading_firms",
    "index",
    "adoption_ratio",
    "reward_cost",
    "other",
)
ENTITY_KINDS: tuple[str, ...] = ("enterprise", "park", "cluster", "region")
CLUSTER_LEVELS: tuple[str, ...] = ("provincial_key", "city_industry", "county_feature")
REGION_LEVELS: tuple[str, ...] = ("province", "city", "board", "county")
#: Project programmes and the flows the model simulates for each.
PROGRAMMES: dict[str, tuple[str, ...]] = {
    "jx_major": ("projects_scheduled", "project_starts", "project_completions"),
    "gz_1yi": ("project_completions", "projects_signed", "projects_reserve"),
}
UNITS: tuple[str, ...] = ("亿元", "万元", "%", "个", "家", "人", "场", "万千瓦", "万元/亩", "index")
#: Years a target may have.
YEARS: tuple[int, int] = (2013, 2030)
#: Years a run can simulate: an evaluable target must fall in them.  A default run
#: simulates 2014..2025 (data as of 2013); a run with ``--as-of Y`` simulates from
#: Y + 1, so targets of 2013 are evaluable too.  :func:`model.targets.compile_targets`
#: marks a target whose year is not among the run's simulated years as not
#: evaluable for that run, with the reason.
MODEL_YEARS: tuple[int, int] = (2013, 2025)
#: Metrics of Xinyi's investment and innovation model (:mod:`model.xinyi`; its illustrative panel only).
INNOVATION_METRICS: frozenset[str] = frozenset({"investment", "tech_upgrade_investment", "rd_share", "rd_unit_share", "upgrading_firms"})
#: Metrics the model computes (revenue of entities, project flows, Xinyi's investment and innovation).
EVALUABLE_METRICS: frozenset[str] = frozenset({"revenue", *(m for ms in PROGRAMMES.values() for m in ms)}) | INNOVATION_METRICS
_EVALUABLE_KINDS = frozenset({"aggregate_level", "count_over_threshold", "entity_level", "flow_count", "ratio_share", "other_count"})
_PROJECT_METRICS = frozenset(m for ms in PROGRAMMES.values() for m in ms)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SOURCE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


class CatalogueError(ValueError):
    """A catalogue entry is malformed or refers to something that does not exist.

    Each line of the message reads
    ``FILE: target #N (id 'X'), key 'K': got V; expected E``;
    ``problems`` keeps the lines.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        head = f"{len(self.problems)} problem(s) in the target catalogue:\n" if len(self.problems) > 1 else ""
        super().__init__(head + "\n".join(self.problems))


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Scope:
    """What a target is about: entities (by kind, id, region, level) or a project programme.

    Attributes
    ----------
    entity_kind : str or None
        ``enterprise``, ``park``, ``cluster`` or ``region``.
    entity : str or None
        One entity (levels of a region or cluster).
    within : str or None
        A region id: all entities of ``entity_kind`` inside it.
    level : str or None
        Level filter: a cluster level (``provincial_key``, ``city_industry``,
        ``county_feature``) or a region level (``province``, ``city``, ``board``, ``county``);
        several levels joined by ``|`` (e.g. ``provincial_key|county_feature``).
    entities : tuple of str
        An explicit list of entities (counts over named clusters).
    programme : str or None
        Project programme (``jx_major``, ``gz_1yi``) for flow targets.
    """

    entity_kind: str | None = None
    entity: str | None = None
    within: str | None = None
    level: str | None = None
    entities: tuple[str, ...] = ()
    programme: str | None = None

    def entity_refs(self) -> list[tuple[str, str]]:
        """``(key, id)`` for every entity id the scope names."""
        refs = [(k, getattr(self, k)) for k in ("entity", "within") if getattr(self, k)]
        return refs + [(f"entities[{i}]", e) for i, e in enumerate(self.entities)]

    def levels(self) -> tuple[str, ...]:
        """The level filter as a tuple (empty: no filter)."""
        return tuple(self.level.split("|")) if self.level else ()

    def describe(self) -> str:
        """Short text such as ``cluster in JX.GZ (county_feature)``."""
        if self.programme:
            return f"programme {self.programme}"
        where = self.entity or (", ".join(self.entities) if self.entities else f"in {self.within}")
        level = f" ({self.level})" if self.level else ""
        return f"{self.entity_kind} {where}{level}"


@dataclass(frozen=True)
class Target:
    """One quantified target, with the document and clause it comes from.

    The number to reach is ``at_least`` (in ``target_unit``); count targets
    count entities whose value reaches ``threshold`` (in ``unit``).
    Non-evaluable targets say why in ``why_not``.
    """

    id: str
    title_zh: str
    title_en: str
    document: str
    source_file: str
    clause: str
    quote: str
    year: int
    kind: str
    metric: str
    scope: Scope
    target_unit: str
    evaluable: bool
    at_least: float | None = None
    threshold: float | None = None
    unit: str | None = None
    milestones: dict[int, float] = field(default_factory=dict, hash=False)
    why_not: str = ""
    notes: str = ""
    recurring: bool = False

    def title(self, lang: str = "zh") -> str:
        """The Chinese (``zh``) or English (``en``) title."""
        return self.title_en if lang == "en" else self.title_zh

    def goal(self) -> str:
        """The target as text, e.g. ``≥80 家 (>50 亿元)``.

        The number to reach is compared with ``>=``; a count's per-entity
        threshold with a strict ``>`` (as :func:`model.targets.measure` counts).
        A target with no number to reach shows ``—`` (and its threshold, if any).
        """
        text = "—" if self.at_least is None else f"≥{_num(self.at_least)} {self.target_unit}"
        return text + (f" (>{_num(self.threshold)} {self.unit})" if self.threshold is not None else "")


@dataclass(frozen=True)
class Step:
    """One reward step: ``pay`` (amount unit) the first time revenue reaches ``at`` (threshold unit)."""

    at: float
    pay: float


@dataclass(frozen=True)
class FiscalSchedule:
    """A reward paid when an entity's revenue first reaches successive steps.

    Explicit ``steps`` come first; beyond the last one, ``then_pay`` is paid
    for every further ``then_every`` of revenue (if given).
    """

    id: str
    title_zh: str
    title_en: str
    document: str
    source_file: str
    clause: str
    quote: str
    scope: Scope
    payer: str
    recipient: str
    steps: tuple[Step, ...]
    threshold_unit: str
    amount_unit: str
    evaluable: bool
    then_every: float | None = None
    then_pay: float | None = None
    condition: str = ""
    why_not: str = ""
    notes: str = ""

    def thresholds(self, upto: float) -> list[Step]:
        """Every step with ``at <= upto``, explicit steps then the repeating ones."""
        out = [s for s in self.steps if s.at <= upto]
        if self.then_every and self.then_pay is not None:
            at = self.steps[-1].at + self.then_every
            while at <= upto:
                out.append(Step(at, self.then_pay))
                at += self.then_every
        return out


def reward_due(schedule: FiscalSchedule, previous_peak: float, value: float) -> float:
    """Amount owed in a year when revenue goes from its previous peak to ``value``.

    Parameters
    ----------
    schedule : FiscalSchedule
    previous_peak : float
        Highest revenue of earlier years (steps at or below it were already paid).
    value : float
        This year's revenue, in ``schedule.threshold_unit``.

    Returns
    -------
    float
        Sum of the steps first reached this year (all of them if several are
        crossed at once), in ``schedule.amount_unit``.
    """
    return sum(s.pay for s in schedule.thresholds(value) if s.at > previous_peak)


# --------------------------------------------------------------------------- loading


def default_catalogue_path() -> Path:
    """``calibration/targets.toml`` next to the package."""
    return Path(__file__).resolve().parents[1] / "calibration" / "targets.toml"


def load_catalogue(path: Path | str | None = None) -> list[Target]:
    """Load and validate the ``[[target]]`` tables of a catalogue file.

    Parameters
    ----------
    path : path-like, optional
        Catalogue file; default :func:`default_catalogue_path`.

    Returns
    -------
    list of Target
        In file order.

    Raises
    ------
    CatalogueError
        Listing every problem found (unknown or missing keys, wrong types,
        unknown kind/metric/entity kind, duplicate ids, inconsistent fields).
    """
    path, data = _read(path)
    entries = _entries(data, "target", path.name, required=True)
    problems: list[str] = []
    targets = [_build(_TARGET_CHECK, _target, e, i, path.name, problems) for i, e in enumerate(entries, 1)]
    problems += _duplicates(entries, path.name, "target")
    if problems:
        raise CatalogueError(problems)
    return targets  # type: ignore[return-value]


def load_fiscal_schedules(path: Path | str | None = None) -> list[FiscalSchedule]:
    """Load and validate the ``[[fiscal_schedule]]`` tables of a catalogue file.

    Parameters
    ----------
    path : path-like, optional
        Catalogue file; default :func:`default_catalogue_path`.

    Returns
    -------
    list of FiscalSchedule

    Raises
    ------
    CatalogueError
    """
    path, data = _read(path)
    entries = _entries(data, "fiscal_schedule", path.name, required=False)
    problems: list[str] = []
    out = [_build(_SCHEDULE_CHECK, _schedule, e, i, path.name, problems) for i, e in enumerate(entries, 1)]
    problems += _duplicates(entries, path.name, "fiscal_schedule")
    if problems:
        raise CatalogueError(problems)
    return out  # type: ignore[return-value]


def _read(path: Path | str | None) -> tuple[Path, dict]:
    path = Path(path) if path is not None else default_catalogue_path()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: file not found; expected a TOML target catalogue") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path.name}: not valid TOML ({exc}); expected [[target]] tables") from None
    unknown = sorted(set(data) - {"target", "fiscal_schedule"})
    if unknown:
        raise CatalogueError(
            f"{path.name}: top-level key {unknown[0]!r}: got {data[unknown[0]]!r}; "
            "expected only [[target]] and [[fiscal_schedule]] tables"
        )
    return path, data


def _entries(data: dict, table: str, file: str, required: bool) -> list[dict]:
    entries = data.get(table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CatalogueError(f"{file}: key {table!r}: got {type(entries).__name__}; expected an array of tables [[{table}]]")
    if required and not entries:
        raise CatalogueError(f"{file}: no [[{table}]] tables; expected at least one")
    return entries


def _duplicates(entries: list[dict], file: str, table: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, e in enumerate(entries, 1):
        tid = e.get("id")
        if isinstance(tid, str) and tid in seen:
            out.append(f"{file}: {table} #{i} (id {tid!r}), key 'id': got {tid!r}; expected a unique id (already used by {table} #{seen[tid]})")
        elif isinstance(tid, str):
            seen[tid] = i
    return out


# --------------------------------------------------------------------------- validation

# key -> (type name, required)
_COMMON_KEYS = {
    "id": ("str", True),
    "title_zh": ("str", True),
    "title_en": ("str", True),
    "document": ("str", True),
    "source_file": ("str", True),
    "clause": ("str", True),
    "quote": ("str", True),
    "scope": ("table", True),
    "evaluable": ("bool", True),
    "why_not": ("str", False),
    "notes": ("str", False),
}
_TARGET_KEYS = dict(
    _COMMON_KEYS,
    year=("int", True),
    kind=("str", True),
    metric=("str", True),
    target_unit=("str", True),
    at_least=("number", False),
    threshold=("number", False),
    unit=("str", False),
    milestones=("table", False),
    recurring=("bool", False),
)
_SCHEDULE_KEYS = dict(
    _COMMON_KEYS,
    payer=("str", True),
    recipient=("str", True),
    condition=("str", False),
    steps=("array", True),
    then_every=("number", False),
    then_pay=("number", False),
    threshold_unit=("str", True),
    amount_unit=("str", True),
)
_SCOPE_KEYS = {
    "entity_kind": "str",
    "entity": "str",
    "within": "str",
    "level": "str",
    "entities": "array",
    "programme": "str",
}
_TYPE_TEXT = {
    "str": "a string",
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "table": "a table",
    "array": "an array",
}


class _Problems:
    """Collects problem lines for one entry, prefixed with file, index and id."""

    def __init__(self, file: str, table: str, index: int, entry: dict, out: list[str]) -> None:
        tid = entry.get("id")
        self.prefix = f"{file}: {table} #{index} (id {tid!r})"
        self.out = out
        self.count = 0

    def add(self, key: str, value: Any, expected: str) -> None:
        self.out.append(f"{self.prefix}, key {key!r}: got {value!r}; expected {expected}")
        self.count += 1


def _is(value: Any, kind: str) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return isinstance(value, {"str": str, "bool": bool, "table": dict, "array": list}[kind])


def _check_keys(entry: dict, spec: dict[str, tuple[str, bool]], p: _Problems, prefix: str = "") -> None:
    for key in sorted(set(entry) - set(spec)):
        p.add(prefix + key, entry[key], f"one of the keys {', '.join(spec)} (unknown key)")
    for key, (kind, required) in spec.items():
        if key not in entry:
            if required:
                p.add(prefix + key, None, f"{_TYPE_TEXT[kind]} (required key is missing)")
        elif not _is(entry[key], kind):
            p.add(prefix + key, entry[key], _TYPE_TEXT[kind])


def _check_common(e: dict, p: _Problems) -> None:
    if isinstance(e.get("id"), str) and not _ID.match(e["id"]):
        p.add("id", e["id"], "an ASCII id of letters, digits, '.', '_' or '-'")
    if isinstance(e.get("source_file"), str) and not _SOURCE.match(e["source_file"]):
        p.add("source_file", e["source_file"], "a seed file name like '000_8a8b28aacbb2a0a3.txt'")
    for key in ("id", "title_zh", "title_en", "document", "clause", "quote"):
        if e.get(key) == "":
            p.add(key, "", "a non-empty string")
    if e.get("evaluable") is False and not str(e.get("why_not", "")).strip():
        p.add("why_not", e.get("why_not", ""), "a non-empty reason why the model cannot evaluate it (evaluable = false)")
    if isinstance(e.get("scope"), dict):
        _check_scope_table(e["scope"], p)


def _check_scope_table(s: dict, p: _Problems) -> None:
    before = p.count
    _check_keys(s, {k: (t, False) for k, t in _SCOPE_KEYS.items()}, p, "scope.")
    if p.count > before:
        return
    if ("programme" in s) == ("entity_kind" in s):
        p.add("scope", s, "exactly one of scope.programme (project flows) or scope.entity_kind")
    elif "programme" in s:
        _check_programme_scope(s, p)
    else:
        _check_entity_scope(s, p)


def _check_programme_scope(s: dict, p: _Problems) -> None:
    if s["programme"] not in PROGRAMMES:
        p.add("scope.programme", s["programme"], f"one of {', '.join(PROGRAMMES)}")
    extra = sorted(set(s) - {"programme"})
    if extra:
        p.add(f"scope.{extra[0]}", s[extra[0]], "no entity keys next to scope.programme")


def _check_entity_scope(s: dict, p: _Problems) -> None:
    kind = s["entity_kind"]
    if kind not in ENTITY_KINDS:
        p.add("scope.entity_kind", kind, f"one of {', '.join(ENTITY_KINDS)}")
    where = [k for k in ("entity", "within", "entities") if k in s]
    if len(where) != 1:
        p.add("scope", s, "exactly one of scope.entity, scope.within or scope.entities")
    if "entities" in s and not (s["entities"] and all(isinstance(x, str) for x in s["entities"])):
        p.add("scope.entities", s["entities"], "a non-empty array of entity ids")
    levels = {"cluster": CLUSTER_LEVELS, "region": REGION_LEVELS}.get(kind, ())
    if "level" in s and not all(lv in levels for lv in str(s["level"]).split("|")):
        p.add("scope.level", s["level"], f"a cluster level ({', '.join(CLUSTER_LEVELS)}) or a region level ({', '.join(REGION_LEVELS)}) matching entity_kind")


def _check_target(e: dict, p: _Problems) -> None:
    _check_common(e, p)
    _check_enums(e, p)
    _check_numbers(e, p)
    if isinstance(e.get("milestones"), dict):
        _check_milestones(e, p)
    if e.get("evaluable") is True and p.count == 0:  # only on otherwise valid entries: no cascades
        _check_evaluable(e, p)
    if e.get("metric") in _PROJECT_METRICS and isinstance(e.get("scope"), dict) and "programme" not in e["scope"]:
        p.add("scope", e["scope"], f"scope.programme for project metric {e['metric']!r}")


def _check_enums(e: dict, p: _Problems) -> None:
    for key, allowed in (("kind", KINDS), ("metric", METRICS), ("target_unit", UNITS), ("unit", UNITS)):
        if isinstance(e.get(key), str) and e[key] not in allowed:
            p.add(key, e[key], f"one of {', '.join(allowed)}")
    year = e.get("year")
    if _is(year, "int") and not YEARS[0] <= year <= YEARS[1]:
        p.add("year", year, f"a year in {YEARS[0]}..{YEARS[1]}")


def _check_numbers(e: dict, p: _Problems) -> None:
    if "at_least" not in e and e.get("kind") != "qualitative":
        p.add("at_least", None, "a number (required unless kind = 'qualitative')")
    if ("threshold" in e) != ("unit" in e):
        key = "unit" if "threshold" in e else "threshold"
        p.add(key, None, "threshold and unit given together")
    if e.get("kind") == "count_over_threshold" and "threshold" not in e:
        p.add("threshold", None, "a per-entity threshold for kind = 'count_over_threshold'")
    for key in ("at_least", "threshold"):
        if _is(e.get(key), "number") and e[key] < 0:
            p.add(key, e[key], "a non-negative number")


def _check_milestones(e: dict, p: _Problems) -> None:
    for year, value in e["milestones"].items():
        ok_year = year.isdigit() and YEARS[0] <= int(year) <= YEARS[1]
        if not ok_year or (_is(e.get("year"), "int") and int(year) >= e["year"]):
            p.add(f"milestones.{year}", value, f"a year key in {YEARS[0]}..{YEARS[1]} before the target year")
        elif not _is(value, "number"):
            p.add(f"milestones.{year}", value, "a number in target_unit")


def _check_evaluable(e: dict, p: _Problems) -> None:
    if isinstance(e.get("metric"), str) and e["metric"] not in EVALUABLE_METRICS:
        p.add("evaluable", True, f"false for metric {e['metric']!r}: the model computes {', '.join(sorted(EVALUABLE_METRICS))}")
    if isinstance(e.get("kind"), str) and e["kind"] not in _EVALUABLE_KINDS:
        p.add("evaluable", True, f"false for kind {e['kind']!r}: evaluable kinds are {', '.join(sorted(_EVALUABLE_KINDS))}")
    if _is(e.get("year"), "int") and not MODEL_YEARS[0] <= e["year"] <= MODEL_YEARS[1]:
        p.add("evaluable", True, f"false for year {e['year']}: runs simulate years within {MODEL_YEARS[0]}..{MODEL_YEARS[1]}")
    scope = e.get("scope") if isinstance(e.get("scope"), dict) else {}
    programme = scope.get("programme")
    if programme in PROGRAMMES and e.get("metric") not in PROGRAMMES[programme]:
        p.add("metric", e.get("metric"), f"a flow of programme {programme!r}: {', '.join(PROGRAMMES[programme])}")


def _check_schedule(e: dict, p: _Problems) -> None:
    _check_common(e, p)
    for key in ("threshold_unit", "amount_unit"):
        if isinstance(e.get(key), str) and e[key] not in UNITS:
            p.add(key, e[key], f"one of {', '.join(UNITS)}")
    steps = e.get("steps")
    if isinstance(steps, list):
        _check_steps(steps, p)
    if ("then_every" in e) != ("then_pay" in e):
        p.add("then_pay" if "then_every" in e else "then_every", None, "then_every and then_pay given together")
    if _is(e.get("then_every"), "number") and e["then_every"] <= 0:
        p.add("then_every", e["then_every"], "a positive step size")


def _check_steps(steps: list, p: _Problems) -> None:
    if not steps:
        p.add("steps", steps, "at least one step { at = ..., pay = ... }")
    last = -math.inf
    for i, s in enumerate(steps):
        if not (isinstance(s, dict) and set(s) == {"at", "pay"} and all(_is(v, "number") for v in s.values())):
            p.add(f"steps[{i}]", s, "a table { at = <threshold>, pay = <amount> } of two numbers")
        elif s["at"] <= last:
            p.add(f"steps[{i}].at", s["at"], "thresholds in increasing order")
        else:
            last = s["at"]


_TARGET_CHECK = (_TARGET_KEYS, _check_target, "target")
_SCHEDULE_CHECK = (_SCHEDULE_KEYS, _check_schedule, "fiscal_schedule")


def _build(check: tuple, make: Callable[[dict], Any], entry: dict, index: int, file: str, out: list[str]) -> Any:
    """Validate one entry (keys and types first, then meaning) and build it, or record problems."""
    keys, validate, table = check
    p = _Problems(file, table, index, entry, out)
    _check_keys(entry, keys, p)
    if p.count == 0:
        validate(entry, p)
    return make(entry) if p.count == 0 else None


def _scope(s: dict) -> Scope:
    return Scope(**{k: (tuple(v) if k == "entities" else v) for k, v in s.items()})


def _target(e: dict) -> Target:
    num = {k: float(e[k]) for k in ("at_least", "threshold") if k in e}
    miles = {int(y): float(v) for y, v in e.get("milestones", {}).items()}
    rest = {k: v for k, v in e.items() if k not in ("scope", "milestones", *num)}
    return Target(scope=_scope(e["scope"]), milestones=miles, **num, **rest)


def _schedule(e: dict) -> FiscalSchedule:
    steps = tuple(Step(float(s["at"]), float(s["pay"])) for s in e["steps"])
    num = {k: float(e[k]) for k in ("then_every", "then_pay") if k in e}
    rest = {k: v for k, v in e.items() if k not in ("scope", "steps", *num)}
    return FiscalSchedule(scope=_scope(e["scope"]), steps=steps, **num, **rest)


# --------------------------------------------------------------------------- entity check


class _Scoped(Protocol):
    id: str
    scope: Scope


def check_scope(targets: Iterable[_Scoped], known_ids: set[str], source: str) -> None:
    """Check that every entity a target (or schedule) names exists in the data.

    Parameters
    ----------
    targets : iterable of Target or FiscalSchedule
    known_ids : set of str
        Entity ids of the dataset (e.g. ``Panel.ids()``).
    source : str
        File the targets came from, for the message.

    Raises
    ------
    CatalogueError
        One line per unknown id, naming the target id, the scope key, the
        unknown entity id and the closest known ids.
    """
    problems = []
    for t in targets:
        for key, eid in t.scope.entity_refs():
            if eid not in known_ids:
                near = difflib.get_close_matches(eid, sorted(known_ids), n=3)
                hint = f" (closest: {', '.join(near)})" if near else ""
                problems.append(
                    f"{source}: target {t.id!r}, key 'scope.{key}': got unknown entity id {eid!r}; "
                    f"expected an entity id present in the dataset{hint}"
                )
    if problems:
        raise CatalogueError(problems)


# --------------------------------------------------------------------------- reporting


def summary(targets: Iterable[Target]) -> dict[str, Any]:
    """Counts of targets by document, kind and evaluability.

    Returns
    -------
    dict
        ``total``, ``evaluable``, ``not_evaluable``, ``by_document`` (document ->
        ``{"total", "evaluable", "not_evaluable"}``, in file order), ``by_kind``
        and ``by_metric`` (name -> count).
    """
    targets = list(targets)
    by_doc: dict[str, Counter] = {}
    for t in targets:
        c = by_doc.setdefault(t.document, Counter())
        c["total"] += 1
        c["evaluable" if t.evaluable else "not_evaluable"] += 1
    n_eval = sum(t.evaluable for t in targets)
    return {
        "total": len(targets),
        "evaluable": n_eval,
        "not_evaluable": len(targets) - n_eval,
        "by_document": {d: {k: c[k] for k in ("total", "evaluable", "not_evaluable")} for d, c in by_doc.items()},
        "by_kind": dict(Counter(t.kind for t in targets)),
        "by_metric": dict(Counter(t.metric for t in targets)),
    }


_HEAD = {
    "zh": ("编号", "年份", "类型", "目标值", "可评估", "目标"),
    "en": ("id", "year", "kind", "goal", "eval", "target"),
}
_KIND_ZH = {
    "aggregate_level": "总量",
    "count_over_threshold": "门槛计数",
    "entity_level": "个体水平",
    "flow_count": "项目流量",
    "ratio_share": "比率",
    "other_count": "其他计数",
    "qualitative": "定性",
}


def format_table(targets: Iterable[Target], lang: str = "zh") -> str:
    """An aligned text table of targets for the terminal.

    Parameters
    ----------
    targets : iterable of Target
    lang : {"zh", "en"}
        Chinese titles and headers (default) or English.

    Returns
    -------
    str
        One row per target; a non-evaluable target is followed by an
        indented line giving its ``why_not``.
    """
    if lang not in _HEAD:
        raise ValueError(f"lang: got {lang!r}; expected 'zh' or 'en'")
    targets = list(targets)
    rows = [_HEAD[lang]] + [_row(t, lang) for t in targets]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for r, t in zip(rows, [None, *targets]):
        lines.append("  ".join(_pad(c, w) for c, w in zip(r, widths)) + "  " + r[-1])
        if t is not None and not t.evaluable:
            label = "不可评估" if lang == "zh" else "not evaluable"
            lines.append(" " * (widths[0] + 2) + f"└ {label}: {t.why_not}")
    return "\n".join(lines)


def _row(t: Target, lang: str) -> tuple[str, ...]:
    kind = _KIND_ZH[t.kind] if lang == "zh" else t.kind
    mark = ("是" if t.evaluable else "否") if lang == "zh" else ("yes" if t.evaluable else "no")
    return (t.id, str(t.year), kind, t.goal(), mark, t.title(lang))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
