"""The target catalogue: every quantified target of the five policy documents.

``calibration/targets.toml`` holds one ``[[target]]`` table per target and one
``[[fiscal_schedule]]`` table per reward schedule (rewards for first crossing
revenue steps, whose cost the tool forecasts).  This module loads the file,
validates it strictly (:mod:`model.catalogue_checks`; every problem names the file, the entry's index and id,
the key, the bad value and what was expected), checks that the entities it
refers to exist, and counts it (:func:`model.display.format_table` shows it).

Examples
--------
>>> from model.catalogue import load_catalogue
>>> from model.display import format_table
>>> targets = load_catalogue()
>>> print(format_table([t for t in targets if t.year == 2016][:3]))  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .catalogue_checks import (
    _SCHEDULE_CHECK,
    _TARGET_CHECK,
    CLUSTER_LEVELS,
    ENTITY_KINDS,
    EVALUABLE_METRICS,
    INNOVATION_METRICS,
    KINDS,
    METRICS,
    MODEL_YEARS,
    PROGRAMMES,
    REGION_LEVELS,
    UNITS,
    YEARS,
    _check_keys,
    _Problems,
)
from .display import format_table  # re-exported: callers import it from here

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
]

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


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
