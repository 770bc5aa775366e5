"""The target catalogue: contents, validation messages, scope checks, formatting."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from model.catalogue import (
    EVALUABLE_METRICS,
    CatalogueError,
    FiscalSchedule,
    Target,
    check_scope,
    format_table,
    load_catalogue,
    load_fiscal_schedules,
    reward_due,
    summary,
)

SEEDS = Path(__file__).resolve().parents[1] / "calibration" / "documents"
SEED_FILES = [
    "000_8a8b28aacbb2a0a3.txt",
    "001_852b36259b92bac3.txt",
    "002_daa2bfcbdeb928c2.txt",
    "003_cd2e0cc5aaa9e838.txt",
    "004_cabd027799485bb6.txt",
]


@pytest.fixture(scope="module")
def targets() -> list[Target]:
    return load_catalogue()


@pytest.fixture(scope="module")
def by_id(targets) -> dict[str, Target]:
    return {t.id: t for t in targets}


# --------------------------------------------------------------------------- contents


def test_catalogue_loads(targets):
    assert len(targets) >= 60
    assert all(isinstance(t, Target) for t in targets)


def test_ids_unique(targets):
    ids = [t.id for t in targets]
    assert len(ids) == len(set(ids))


def _index_documents() -> list[str]:
    index = SEEDS / "INDEX.md"
    if index.exists():
        return sorted(set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", index.read_text(encoding="utf-8"))))
    return SEED_FILES


def test_every_indexed_document_has_a_target(targets):
    covered = {t.source_file for t in targets}
    documents = _index_documents()
    assert len(documents) == 5
    assert [d for d in documents if d not in covered] == []


def test_quotes_are_verbatim(targets):
    texts = {f: (SEEDS / f).read_text(encoding="utf-8") for f in SEED_FILES}
    entries = [*targets, *load_fiscal_schedules()]
    assert [e.id for e in entries if e.quote not in texts[e.source_file]] == []


HEADLINES = [
    # id, year, at_least, threshold
    ("JX-ENT50-2015", 2015, 80, 50),
    ("JX-ENT100-2015", 2015, 30, 100),
    ("JX-ENT500-2015", 2015, 5, 500),
    ("JX-PARK100-2015", 2015, 77, 100),
    ("JX-PARK300-2015", 2015, 35, 300),
    ("JX-PARK500-2015", 2015, 13, 500),
    ("JX-PARK1000-2015", 2015, 4, 1000),
    ("JX-CLU50-2015", 2015, 70, 50),
    ("JX-CLU100-2015", 2015, 47, 100),
    ("JX-CLU500-2015", 2015, 4, 500),
    ("GZ-REV-2016", 2016, 5500, None),
    ("GZ-REV-2020", 2020, 10000, None),
    ("GZ-C-REW-2014", 2014, 1000, None),
    ("GZ-C-REW-2016", 2016, 1500, None),
    ("GZ-BOARD-CENTRAL-2016", 2016, 3100, None),
    ("GZ-BOARD-EAST-2016", 2016, 1300, None),
    ("GZ-BOARD-SOUTH-2016", 2016, 1100, None),
    ("GZ-ENT10-2016", 2016, 100, 10),
    ("GZ-ENT100-2016", 2016, 3, 100),
    ("GZ-COUNTYCLU100-2016", 2016, 15, 100),
    ("GZ-CLU200-2016", 2016, 3, 200),
    ("XY-INV-2015", 2015, 105, None),
    ("XY-RD-2017", 2017, 1.0, None),
    ("JX-CLU100-2025", 2025, 100, 100),
    ("JX-CLU1000-2025", 2025, 15, 1000),
    ("JX-CLUTOTAL-2025", 2025, 30000, None),
]


@pytest.mark.parametrize("tid, year, at_least, threshold", HEADLINES)
def test_headline_targets(by_id, tid, year, at_least, threshold):
    t = by_id[tid]
    assert (t.year, t.at_least, t.threshold) == (year, at_least, threshold)


def test_headline_scopes(by_id):
    assert by_id["GZ-C-REW-2016"].scope.entity == "GZ.C.REW"
    assert by_id["GZ-C-REW-2016"].milestones == {2014: 1000.0}
    assert by_id["GZ-BOARD-EAST-2016"].scope.entity == "JX.GZ.east"
    assert by_id["GZ-COUNTYCLU100-2016"].scope.level == "county_feature"
    assert set(by_id["GZ-CLU200-2016"].scope.entities) == {"GZ.C.PHARMA", "GZ.C.FLUO", "GZ.C.BMAT"}
    assert by_id["XY-RD-2017"].scope.within == "GD.XY" and not by_id["XY-RD-2017"].evaluable


@pytest.mark.parametrize(
    "programme, metric, at_least",
    [
        ("jx_major", "projects_scheduled", 100),
        ("jx_major", "project_starts", 30),
        ("jx_major", "project_completions", 50),
        ("gz_1yi", "project_completions", 100),
        ("gz_1yi", "projects_signed", 100),
        ("gz_1yi", "projects_reserve", 200),
    ],
)
def test_every_year_flows_are_one_target_per_year(targets, programme, metric, at_least):
    hits = [t for t in targets if t.scope.programme == programme and t.metric == metric and t.evaluable]
    assert sorted(t.year for t in hits) == [2014, 2015, 2016]
    assert all(t.at_least == at_least and t.recurring and t.kind == "flow_count" for t in hits)


def test_non_evaluable_targets_say_why(targets):
    assert all(t.why_not.strip() for t in targets if not t.evaluable)
    assert all(t.metric in EVALUABLE_METRICS for t in targets if t.evaluable)
    assert all(2014 <= t.year <= 2025 for t in targets if t.evaluable)


def test_documents_2017_and_2025_present(targets):
    assert {2017, 2025} <= {t.year for t in targets}


# --------------------------------------------------------------------------- validation

VALID = """
[[target]]
id = "T-1"
title_zh = "测试"
title_en = "test"
document = "doc"
source_file = "000_8a8b28aacbb2a0a3.txt"
clause = "clause"
quote = "quote"
year = 2015
kind = "count_over_threshold"
metric = "revenue"
scope = { entity_kind = "enterprise", within = "JX" }
threshold = 50.0
unit = "亿元"
at_least = 80
target_unit = "家"
evaluable = true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad_targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_valid_file_loads(tmp_path):
    (t,) = load_catalogue(_write(tmp_path, VALID))
    assert t.at_least == 80.0 and t.scope.within == "JX"


CASES = [
    # (old, new, key, expectation substring)
    ('evaluable = true', 'evaluable = true\ncolour = "red"', "colour", "unknown key"),
    ('quote = "quote"\n', "", "quote", "required key is missing"),
    ("year = 2015", 'year = "2015"', "year", "an integer"),
    ("year = 2015", "year = 2040", "year", "a year in 2013..2030"),
    ('kind = "count_over_threshold"', 'kind = "count"', "kind", "one of aggregate_level"),
    ('metric = "revenue"', 'metric = "turnover"', "metric", "one of revenue"),
    ('entity_kind = "enterprise"', 'entity_kind = "firm"', "scope.entity_kind", "one of enterprise, park"),
    ("evaluable = true", "evaluable = false", "why_not", "non-empty reason"),
    ("evaluable = true", "evaluable = 1", "evaluable", "true or false"),
    ('metric = "revenue"', 'metric = "tax"', "evaluable", "false for metric 'tax'"),
    ("at_least = 80\n", "", "at_least", "required unless kind = 'qualitative'"),
]


@pytest.mark.parametrize("old, new, key, expected", CASES)
def test_validation_messages(tmp_path, old, new, key, expected):
    assert old in VALID
    path = _write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    message = str(err.value)
    for part in ("bad_targets.toml", "target #1", "'T-1'", f"key '{key}'", expected):
        assert part in message, (part, message)


def test_duplicate_ids_rejected(tmp_path):
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, VALID + VALID))
    message = str(err.value)
    for part in ("bad_targets.toml", "target #2", "'T-1'", "key 'id'", "unique id"):
        assert part in message


def test_all_problems_reported_at_once(tmp_path):
    text = VALID.replace("year = 2015", "year = 1999").replace('metric = "revenue"', 'metric = "x"')
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, text))
    assert len(err.value.problems) == 2


# --------------------------------------------------------------------------- scope check


def test_check_scope_accepts_known_and_rejects_unknown(targets):
    known = {eid for t in targets for _, eid in t.scope.entity_refs()}
    check_scope(targets, known, "targets.toml")
    with pytest.raises(CatalogueError) as err:
        check_scope(targets, known - {"JX.GZ.east"}, "targets.toml")
    message = str(err.value)
    assert "targets.toml" in message and "'GZ-BOARD-EAST-2016'" in message and "'JX.GZ.east'" in message


def test_catalogue_refers_only_to_documented_ids(targets):
    documented = {"JX", "GD.XY", "JX.GZ", "JX.GZ.central", "JX.GZ.east", "JX.GZ.south"} | {
        f"GZ.C.{c}" for c in ("REW", "NEV", "ELEC", "CUAL", "TEXT", "TOBACCO", "PHARMA", "FLUO", "BMAT")
    }
    check_scope([*targets, *load_fiscal_schedules()], documented, "targets.toml")


# --------------------------------------------------------------------------- reporting


def test_summary_counts(targets):
    s = summary(targets)
    assert s["total"] == len(targets) == s["evaluable"] + s["not_evaluable"]
    assert sum(d["total"] for d in s["by_document"].values()) == len(targets)
    assert sum(s["by_kind"].values()) == len(targets)
    assert len(s["by_document"]) == 5


def test_format_table(by_id):
    rows = [by_id["JX-ENT50-2015"], by_id["GZ-C-TOBACCO-TAX-2016"]]
    zh = format_table(rows)
    assert "主营业务收入过50亿元的工业企业" in zh and "tax revenue is not modelled" in zh
    en = format_table(rows, lang="en")
    assert "Industrial enterprises with revenue > 5 bn yuan" in en and "not evaluable" in en
    assert len(zh.splitlines()) == 4  # header, 2 rows, 1 why_not line


# --------------------------------------------------------------------------- fiscal schedules


def test_fiscal_schedules_load():
    schedules = {s.id: s for s in load_fiscal_schedules()}
    assert set(schedules) == {"GZ-REWARD-ENTERPRISE", "GZ-REWARD-COUNTY", "GZ-REWARD-COUNTY-CLUSTER"}
    assert all(isinstance(s, FiscalSchedule) for s in schedules.values())
    assert all(s.why_not for s in schedules.values() if not s.evaluable)


def test_reward_due():
    s = {x.id: x for x in load_fiscal_schedules()}
    firm, county, cluster = s["GZ-REWARD-ENTERPRISE"], s["GZ-REWARD-COUNTY"], s["GZ-REWARD-COUNTY-CLUSTER"]
    assert reward_due(firm, 4.0, 6.0) == 5.0
    assert reward_due(firm, 4.0, 12.0) == 15.0  # both steps first crossed in one year
    assert reward_due(firm, 12.0, 31.0) == 20.0  # 20亿 and 30亿 steps
    assert reward_due(firm, 31.0, 25.0) == 0.0  # no reward for falling back and recovering
    assert reward_due(county, 40.0, 210.0) == 50 + 100 + 50
    assert reward_due(cluster, 90.0, 160.0) == 100.0  # 100亿 and 150亿 steps


def test_scope_level_must_match_entity_kind(tmp_path):
    text = VALID.replace('within = "JX" }', 'within = "JX", level = "county_feature" }')
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, text))
    assert "key 'scope.level'" in str(err.value) and "'T-1'" in str(err.value)


DATA = Path(__file__).resolve().parents[1] / "calibration" / "data"


@pytest.mark.skipif(not (DATA / "regions.csv").exists(), reason="embedded dataset not present")
def test_catalogue_entities_exist_in_embedded_data():
    ids = set()
    for table in ("regions", "parks", "clusters", "enterprises"):
        with (DATA / f"{table}.csv").open(encoding="utf-8") as fh:
            ids |= {row["id"] for row in csv.DictReader(fh)}
    check_scope([*load_catalogue(), *load_fiscal_schedules()], ids, "targets.toml")
