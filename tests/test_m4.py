"""Tests of the M4 Yearly harness: metric known answers, Naive2 against an independent recomputation."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

from model import m4


# ----------------------------------------------------------------- known answers


def test_smape_known_answer():
    actual = np.array([100.0, 200.0])
    fc = np.array([110.0, 200.0])
    # 200*|100-110|/(100+110) = 9.5238..., second term 0 -> mean 4.7619...
    assert m4.smape(actual, fc) == pytest.approx((200.0 * 10.0 / 210.0) / 2.0)


def test_mase_known_answer():
    insample = np.array([1.0, 3.0, 2.0, 5.0])  # naive abs diffs 2, 1, 3 -> scale 2
    actual = np.array([6.0, 7.0])
    fc = np.array([5.0, 5.0])  # abs errors 1, 2 -> mean 1.5
    assert m4.mase(insample, actual, fc) == pytest.approx(0.75)


def test_msis_known_answer():
    insample = np.array([10.0, 12.0, 11.0])  # scale (2 + 1) / 2 = 1.5
    actual = np.array([5.0, 10.0, 20.0])
    lower = np.array([6.0, 8.0, 9.0])
    upper = np.array([9.0, 12.0, 18.0])
    # widths 3, 4, 9; penalties 2/0.05*(6-5)=40 and 2/0.05*(20-18)=80 -> (43 + 4 + 89)/3 = 45.333
    assert m4.msis(insample, actual, lower, upper, alpha=0.05) == pytest.approx((43.0 + 4.0 + 89.0) / 3.0 / 1.5)
    assert m4.coverage(actual, lower, upper) == pytest.approx(1.0 / 3.0)


def test_coverage_counts_bounds_as_inside():
    assert m4.coverage(np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.array([1.0, 1.5])) == 0.5


def test_series_seed_independent_of_chunking():
    a = np.random.default_rng(m4.series_seed(17)).random()
    b = np.random.default_rng(np.random.SeedSequence(m4.BASE_SEED).spawn(18)[17]).random()
    assert a == b


def test_missing_data_dir_gives_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTAIN_M4_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="ATTAIN_M4_DIR"):
        m4.data_dir()
    assert m4.cli(["--sample", "5"]) == 2


# ----------------------------------------------------------------- real data

DATA_DIR = m4.data_dir()  # committed in benchmarks/data/m4, so these tests never skip


def _read_rows(name: str) -> dict[str, list[float]]:
    with gzip.open(DATA_DIR / name, "rt", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0]: [float(v) for v in row[1:] if v != ""] for row in reader}


@pytest.fixture(scope="module")
def data():
    return m4.load_yearly()


def test_loader_matches_published_statistics(data):
    lengths = np.array([len(y) for y in data.train])
    assert len(data.ids) == 23000 and data.test.shape == (23000, 6)
    assert lengths.min() == 13 and lengths.max() == 835
    assert lengths.mean() == pytest.approx(31.32, abs=0.01)
    assert data.train[0][:3].tolist() == [5172.1, 5133.5, 5186.9]


def test_naive2_sample_matches_independent_recomputation(data):
    rows = m4.sample_indices(len(data.ids), 200)
    sub = data.subset(rows)
    out = m4.run_method(sub, "naive2", workers=1)
    naive = out[:, 0]
    scores = m4.score(sub, out, out)["All"]
    # Independent recomputation from the raw CSV text with plain numpy.
    train, test = _read_rows("m4_yearly_train.csv.gz"), _read_rows("m4_yearly_test.csv.gz")
    smapes, mases = [], []
    for sid in sub.ids:
        y, f = np.array(train[sid]), np.array(test[sid])
        pred = np.repeat(y[-1], 6)
        smapes.append(np.mean(2.0 * np.abs(f - pred) / (np.abs(f) + np.abs(pred))) * 100.0)
        mases.append(np.mean(np.abs(f - pred)) / np.mean(np.abs(np.diff(y))))
    np.testing.assert_allclose(naive, np.array([np.repeat(train[s][-1], 6) for s in sub.ids]), rtol=0, atol=0)
    assert abs(scores["sMAPE"] - np.mean(smapes)) < 1e-9
    assert abs(scores["MASE"] - np.mean(mases)) < 1e-9
    assert scores["OWA"] == pytest.approx(1.0)


def test_naive2_full_reproduces_published(data):
    out = np.stack([np.tile(y[-1], (3, 6)) for y in data.train])
    s = m4.score(data, out, out)["All"]
    assert round(s["sMAPE"], 3) == 16.342
    assert round(s["MASE"], 3) == 3.974
    pub = m4.published()
    assert pub["Naive2"]["sMAPE"] == 16.342 and pub["Theta"]["sMAPE"] == 14.593
    assert pub["ETS"]["MSIS"] == pytest.approx(34.9)


def test_validation_windows_never_touch_test(data):
    val = m4.validation_windows(data.subset(range(5)))
    for y_full, y_hist, fut in zip(data.train[:5], val.train, val.test):
        np.testing.assert_array_equal(np.r_[y_hist, fut], y_full)


def test_model_run_is_worker_independent(data):
    sub = data.subset(m4.sample_indices(len(data.ids), 8))
    one = m4.run_method(sub, "model", workers=1, chunk=3)
    two = m4.run_method(sub, "model", workers=2, chunk=5)
    np.testing.assert_array_equal(one, two)
    assert np.all(one[:, 1] <= one[:, 0]) and np.all(one[:, 0] <= one[:, 2])


def test_rolling_windows_pool_two_train_origins(data):
    sub = data.subset(range(3))
    pooled = m4.rolling_windows(sub)
    assert len(pooled.train) == 6 and pooled.test.shape == (6, 6)
    y = data.train[1]
    np.testing.assert_array_equal(pooled.train[1], y[:-6])
    np.testing.assert_array_equal(pooled.train[4], y[:-12])
    np.testing.assert_array_equal(pooled.test[4], y[-12:-6])
