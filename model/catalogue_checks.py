"""What a valid catalogue entry is: the catalogue's vocabulary and the checks of one entry against it.

:mod:`model.catalogue` loads the file and builds the records; every problem
found here names the file, the entry's index and id, the key, the bad value and
what was expected.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
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
