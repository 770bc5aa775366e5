"""Plausibility checks: known answers on small tables, and confirmation in dataset.toml."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.data import load_dataset
from model.errors import DataError
from model.plausibility import HISTORY_FACTOR, YEAR_RATIO, find_implausible, likely_cause, times

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _table(rows: dict[str, list[float]], first: int = 2011) -> pd.DataFrame:
    width = max(len(v) for v in rows.values())
    return pd.DataFrame({k: v + [np.nan] * (width - len(v)) for k, v in rows.items()}, index=range(first, first + width)).T


@pytest.mark.parametrize("ratio, cause", [
    (1e4, "looks like 万元 read as 亿元"), (1.2e4, "looks like 万元 read as 亿元"), (1e-4, "looks like 亿元 read as 万元"),
    (1e8, "looks like 元 read as 亿元"), (10.0, "a misplaced decimal point or an extra digit"), (0.1, "a missing digit"),
    (3.0, "a typing error"),
])
def test_likely_cause_from_the_ratio(ratio, cause):
    assert cause in likely_cause(ratio)


def test_ratios_are_written_without_exponents():
    assert times(11071.4) == "11,071×" and times(1 / 8333.3) == "1/8,333×" and times(2.5) == "2.5×"


def test_a_two_year_series_is_caught_by_its_year_on_year_ratio():
    # Two values cannot have a telling median; the jump itself is the finding (bound: YEAR_RATIO either way).
    rev = _table({"E": [3.0, 3.0 * YEAR_RATIO * 1.01], "F": [3.0, 3.0 * YEAR_RATIO * 0.99]})
    found = find_implausible(rev, {"E": "enterprise", "F": "enterprise"}, {}, {}, "X")
    assert [(f.entity, f.year) for f in found] == [("E", 2012)]


def test_one_slipped_year_is_flagged_and_not_its_neighbours():
    rev = _table({"E": [5.0, 6.0, 70000.0, 7.5, 8.0]})
    found = find_implausible(rev, {"E": "enterprise"}, {}, {}, "X")
    assert [(f.year, f.cause.split(" (")[0]) for f in found] == [(2013, "looks like 万元 read as 亿元")]


def test_history_bound_is_exclusive():
    rev = _table({"E": [1.0, 1.0, HISTORY_FACTOR]})  # exactly at the bound: not flagged
    assert find_implausible(rev, {"E": "enterprise"}, {}, {}, "X") == []


def test_aggregate_many_times_its_members():
    rev = _table({"A": [50.0, 55.0, 60.0 * 1e4], "m": [40.0, 45.0, 50.0]})
    found = find_implausible(rev, {"A": "region", "m": "enterprise"}, {}, {"A": ["m"]}, "A")
    assert [(f.entity, f.year) for f in found] == [("A", 2013)]
    assert "12,000× the sum of its 1 tracked member(s) (50 亿元)" in found[0].reason


def _copy(tmp_path: Path, case: str) -> Path:
    folder = tmp_path / case
    shutil.copytree(FIXTURES / "bad" / case, folder)
    return folder


def test_confirmed_values_let_the_data_through_with_a_note(tmp_path):
    folder = _copy(tmp_path, "plaus_province_wan_as_yi")
    with pytest.raises(DataError):
        load_dataset(folder)
    with (folder / "dataset.toml").open("a", encoding="utf-8") as fh:
        fh.write('confirmed_values = ["JS 2013"]\n')
    panel = load_dataset(folder)
    assert panel.revenue.at["JS", 2013] == 620000.0
    assert any(n.startswith("plausibility (confirmed in dataset.toml)") and "'JS'" in n for n in panel.notes)


def test_an_id_without_year_confirms_every_year(tmp_path):
    folder = _copy(tmp_path, "plaus_history_yi_as_wan")
    with (folder / "dataset.toml").open("a", encoding="utf-8") as fh:
        fh.write('confirmed_values = ["E2"]\n')
    assert load_dataset(folder).revenue.at["E2", 2012] == pytest.approx(6e-4)


def test_a_standalone_region_is_accepted_when_declared(tmp_path):
    folder = _copy(tmp_path, "region_blank_parent")
    with (folder / "dataset.toml").open("a", encoding="utf-8") as fh:
        fh.write('standalone = ["JS.B"]\n')
    panel = load_dataset(folder)
    assert panel.regions.at["JS.B", "parent"] == ""


def test_the_embedded_data_pass_and_declare_xinyi_standalone():
    panel = load_dataset()
    assert panel.meta["standalone"] == ["GD.XY"]
    assert not [n for n in panel.notes if n.startswith("plausibility")]


def test_an_absurd_value_is_refused_while_reading_without_overflow(tmp_path):
    folder = _copy(tmp_path, "plaus_value_1e30")
    text = (folder / "revenue.csv").read_text(encoding="utf-8").replace("1e30", "1e308")
    (folder / "revenue.csv").write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a float-overflow RuntimeWarning would fail here
        with pytest.raises(DataError, match="no revenue in any unit"):
            load_dataset(folder)
