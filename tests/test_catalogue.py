"""The target catalogue: contents, validation messages, scope checks, formatting."""

from __future__ import annotations

import csv
import re
import dataclasses
from pathlib import Path

import pytest

from model.catalogue import (
    EVALUABLE_METRICS,
    CatalogueError,
    FiscalSchedule,
    Target,
    check_scope,
    load_catalogue,
    load_fiscal_schedules,
    summary,
)
from model.display import format_table
from model.fiscal import reward_due

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


#: document -> (targets, evaluable); keep in step with README's catalogue table.
COUNTS = {
    "赣府厅字〔2013〕97号": (46, 18),
    "江西省工业强省建设工作领导小组办公室 2021年11月4日(无文号)": (16, 2),
    "赣市府发〔2014〕26号": (55, 31),
    "赣府厅发〔2015〕29号": (2, 0),
    "信府〔2015〕30号": (9, 7),
}


def test_catalogue_counts(targets):
    s = summary(targets)
    assert (s["total"], s["evaluable"]) == (128, 58)
    assert {d: (c["total"], c["evaluable"]) for d, c in s["by_document"].items()} == COUNTS
    assert list(s["by_document"]) == list(COUNTS)  # entries stay grouped by document, in file order


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


_YEAR_SUFFIX = re.compile(r"-\d{4}$")


def quote_anchor_problems(entries, texts: dict[str, str]) -> list[str]:
    """Entries whose quote does not point at ONE place of the document.

    A quote that occurs once in its document is its own anchor.  A quote that
    occurs several times must be disambiguated by its clause: some part of the
    clause (parts are separated by " · ") must occur exactly once in the
    document, and the quote must follow it in the same paragraph (line); the
    anchor is then the first occurrence of the quote after that heading.  Two
    different targets may not resolve to the same occurrence (the yearly
    copies of one recurring target, same id but for the year, may).
    """
    problems, owner = [], {}
    for e in entries:
        text = texts[e.source_file]
        if text.count(e.quote) == 1:
            continue
        if e.quote not in text:
            problems.append(f"{e.id}: quote not in {e.source_file}")
            continue
        anchor = None
        for part in reversed(e.clause.split(" · ")):
            if not part or text.count(part) != 1:
                continue
            h = text.index(part)
            line_end = text.find("\n", h)
            q = text.find(e.quote, h + len(part), len(text) if line_end < 0 else line_end)
            if q >= 0:
                anchor = q
                break
        if anchor is None:
            problems.append(f"{e.id}: quote occurs {text.count(e.quote)} times in {e.source_file} and no part of the clause {e.clause!r} is a unique heading followed by it in the same paragraph")
            continue
        base = _YEAR_SUFFIX.sub("", e.id)
        other = owner.setdefault((e.source_file, anchor), base)
        if other != base:
            problems.append(f"{e.id}: resolves to the same occurrence of its quote as {other}")
    return problems


def test_quotes_are_unique_or_disambiguated_by_their_clause(targets):
    texts = {f: (SEEDS / f).read_text(encoding="utf-8") for f in SEED_FILES}
    entries = [*targets, *load_fiscal_schedules()]
    assert quote_anchor_problems(entries, texts) == []
    # the check is not vacuous: the three 千亿 clusters share one sentence ...
    by_id = {t.id: t for t in targets}
    shared = [by_id[i] for i in ("GZ-C-NEV-2016", "GZ-C-ELEC-2016", "GZ-C-CUAL-2016")]
    assert len({t.quote for t in shared}) == 1 and texts[shared[0].source_file].count(shared[0].quote) == 3
    # ... and it fails when a clause names the wrong paragraph or no paragraph at all
    wrong = dataclasses.replace(shared[1], clause=shared[0].clause)
    assert any("same occurrence" in p for p in quote_anchor_problems([shared[0], wrong, shared[2]], texts))
    vague = dataclasses.replace(shared[2], clause="二、(五)1.重点培育“5+1”千亿产业集群")
    assert any("no part of the clause" in p for p in quote_anchor_problems([vague], texts))
    later = dataclasses.replace(shared[0], clause="二、(五)1 · 以做强家具产业为重点发展现代轻纺产业")  # heading after the last occurrence
    assert quote_anchor_problems([later], texts) != []


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
    assert by_id["XY-RD-2017"].scope.within == "GD.XY" and by_id["XY-RD-2017"].evaluable


JX_YEARS = [2013, 2014, 2015, 2016]
GZ_YEARS = list(range(2014, 2021))


@pytest.mark.parametrize(
    "programme, metric, at_least, years, evaluable",
    [
        # the list length of 100 is set administratively: not an outcome
        ("jx_major", "projects_scheduled", 100, JX_YEARS, False),
        ("jx_major", "project_starts", 30, JX_YEARS, True),
        ("jx_major", "project_completions", 50, JX_YEARS, True),
        ("gz_1yi", "project_completions", 100, GZ_YEARS, True),
        ("gz_1yi", "projects_signed", 100, GZ_YEARS, True),
        # 策划储备 招商 prospects come before signing, where the pipeline starts
        ("gz_1yi", "projects_reserve", 200, GZ_YEARS, False),
    ],
)
def test_every_year_flows_are_one_target_per_year(targets, programme, metric, at_least, years, evaluable):
    hits = [t for t in targets if t.scope.programme == programme and t.metric == metric]
    assert sorted(t.year for t in hits) == years
    assert all(t.at_least == at_least and t.recurring and t.kind == "flow_count" for t in hits)
    assert all(t.evaluable is evaluable for t in hits)


def test_recurring_targets_cover_their_documents_horizon(targets):
    """每年 targets: one entry a year, 2014..2016 for doc 000 (plus the 2013 project flows), 2014..2020 for doc 002."""
    groups: dict[str, list[Target]] = {}
    for t in targets:
        if t.recurring:
            groups.setdefault(_YEAR_SUFFIX.sub("", t.id), []).append(t)
    assert {"JX-SOE-EVENT", "GZ-TRAINING", "GZ-1YI-DONE", "JX-MAJOR-START"} <= set(groups)
    for base, ts in groups.items():
        years = sorted(t.year for t in ts)
        assert all(t.id == f"{base}-{t.year}" for t in ts), base
        assert len({(t.quote, t.at_least) for t in ts}) == 1, base
        if ts[0].source_file.startswith("000_"):
            assert years in ([2014, 2015, 2016], JX_YEARS), (base, years)
        else:
            assert ts[0].source_file.startswith("002_") and years == GZ_YEARS, (base, years)


AUDIT_ADDITIONS = {
    # id: (kind, at_least)
    "JX-TZ-CITIES-2022": ("other_count", 3),
    "JX-TZ-COUNTIES-2022": ("other_count", 10),
    "JX-TZ-FUND-2025": ("other_count", 1),
    "JX-TZ-INDFUND-2025": ("other_count", 1),
    "GZ-BACKBONE100-2016": ("other_count", 100),
    "GZ-CANDIDATES200-2016": ("other_count", 200),
    "GZ-NEWPARKS-2016": ("other_count", 3),
    "GZ-COUNTY-FEATURE-2016": ("other_count", 1),
    "JX-SOE-EVENT-2014": ("other_count", 1),
    "JX-ECOM100-2015": ("qualitative", None),
    "JX-TZ-LEADFIRMS-2025": ("qualitative", None),
    "GZ-COUNTYCLU-TIERS-2016": ("qualitative", None),
}


@pytest.mark.parametrize("tid, kind, at_least", [(k, *v) for k, v in AUDIT_ADDITIONS.items()])
def test_designations_events_and_tiers_are_catalogued(by_id, tid, kind, at_least):
    t = by_id[tid]
    assert (t.kind, t.at_least) == (kind, at_least)
    assert not t.evaluable and t.why_not.strip() and t.notes.strip()


def test_entries_the_model_cannot_measure_are_not_evaluable(by_id):
    clu = by_id["JX-CLU100-2025"]
    assert not clu.evaluable and "80 cluster nodes" in clu.why_not and "2021" in clu.why_not
    for tid in ("JX-CLU1000-2025", "JX-CLUTOTAL-2025"):
        assert by_id[tid].evaluable and "2013 cluster universe" in by_id[tid].notes and "inferred" in by_id[tid].notes
    assert all(not by_id[f"JX-MAJOR-SCHED-{y}"].evaluable for y in JX_YEARS)
    assert all(not by_id[f"GZ-1YI-RESERVE-{y}"].evaluable for y in GZ_YEARS)


def test_non_evaluable_targets_say_why(targets):
    assert all(t.why_not.strip() for t in targets if not t.evaluable)
    assert all(t.metric in EVALUABLE_METRICS for t in targets if t.evaluable)
    assert all(2013 <= t.year <= 2025 for t in targets if t.evaluable)


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
    ("year = 2015", "year = 2027", "evaluable", "false for year 2027"),
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


def test_evaluable_targets_may_precede_the_default_window(tmp_path):
    """2013 targets may be evaluable: a run with --as-of 2012 or earlier simulates 2013."""
    (t,) = load_catalogue(_write(tmp_path, VALID.replace("year = 2015", "year = 2013")))
    assert t.evaluable and t.year == 2013


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
    # the county reward is paid on the nine leading industries' revenue by county, which the data do not split
    assert [i for i, s in schedules.items() if not s.evaluable] == ["GZ-REWARD-COUNTY"]
    assert "do not split by county" in schedules["GZ-REWARD-COUNTY"].why_not


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
