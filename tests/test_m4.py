"""Tests of the M4 Yearly harness: Naive2 against an independent recomputation, long windows, prior learning (metrics: test_scores)."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

from model import m4, m4_long, m4_priors
from model.commands import bench


def test_series_seed_independent_of_chunking():
    a = np.random.default_rng(m4.series_seed(17)).random()
    b = np.random.default_rng(np.random.SeedSequence(m4.BASE_SEED).spawn(18)[17]).random()
    assert a == b


def test_missing_data_dir_gives_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTAIN_M4_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="ATTAIN_M4_DIR"):
        m4.data_dir()
    assert bench.main(["--sample", "5"]) == 2


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
    val = m4_priors.validation_windows(data.subset(range(5)))
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
    pooled = m4_priors.rolling_windows(sub)
    assert len(pooled.train) == 6 and pooled.test.shape == (6, 6)
    y = data.train[1]
    np.testing.assert_array_equal(pooled.train[1], y[:-6])
    np.testing.assert_array_equal(pooled.train[4], y[:-12])
    np.testing.assert_array_equal(pooled.test[4], y[-12:-6])


# ----------------------------------------------------------------- long horizons (--long)


def test_split_halves_are_disjoint_and_cover_everything():
    fit, ev = m4.split_halves(1001)
    assert len(fit) == 500 and len(ev) == 501
    assert np.intersect1d(fit, ev).size == 0
    np.testing.assert_array_equal(np.sort(np.r_[fit, ev]), np.arange(1001))
    again = m4.split_halves(1001)
    np.testing.assert_array_equal(again[0], fit)


def test_long_windows_cut_training_series_only(data):
    sub = data.subset(range(40))
    win = m4_long.long_windows(sub, histories=(6, 10), horizon=12)
    for sid, hist, fut, n, fast in zip(win.data.ids, win.data.train, win.data.test, win.n_hist, win.fast):
        base, tag = sid.split("@n")
        y = sub.train[sub.ids.index(base)]
        assert int(tag) == n == hist.size
        # the history and the 12 scored points are the last n + 12 TRAINING points, in order
        np.testing.assert_array_equal(np.r_[hist, fut], y[-(n + 12):])
        assert fast == (np.log(hist[-1] / hist[0]) / (n - 1) > 0.10)
    # a series shorter than n + 12 has no window of that length
    lengths = {sid: y.size for sid, y in zip(sub.ids, sub.train)}
    assert sum(1 for s in win.data.ids if s.endswith("@n10")) == sum(1 for v in lengths.values() if v >= 22)


def _fake_windows(future: np.ndarray, fast: np.ndarray, n_hist: np.ndarray) -> m4_long.LongWindows:
    n = future.shape[0]
    data = m4.M4Yearly([f"S{i}" for i in range(n)], np.arange(n), [np.ones(6)] * n, future, np.array(["Other"] * n))
    return m4_long.LongWindows(data, n_hist, fast)


def test_score_long_known_shares():
    # 10 windows, 12 horizons; point 100, 80 % interval [90, 110], 95 % interval [80, 120].
    n, h = 10, 12
    future = np.full((n, h), 100.0)
    future[0] = 115.0  # above q90 and inside the 95 % interval at every horizon
    future[1] = 85.0  # below q10, inside 95 %
    future[2, :3] = 130.0  # above both intervals in band 1-3 only
    out = np.empty((n, 5, h))
    out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4] = 100.0, 90.0, 110.0, 80.0, 120.0
    win = _fake_windows(future, np.array([True] * 5 + [False] * 5), np.full(n, 6))
    rows = {(r["history"], r["slice"], r["band"]): r for r in m4_long.score_long(win, out)}
    r = rows[("all", "all", "1-3")]
    assert r["coverage80"] == pytest.approx(7 / 10)
    assert r["above_q90"] == pytest.approx(2 / 10) and r["below_q10"] == pytest.approx(1 / 10)
    assert r["coverage95"] == pytest.approx(9 / 10)
    assert r["median_log_bias"] == pytest.approx(0.0)
    r = rows[("all", "all", "7-12")]
    assert r["coverage80"] == pytest.approx(8 / 10) and r["above_q90"] == pytest.approx(1 / 10)
    assert r["n_points"] == 60 and r["goal_met"]
    fast = rows[(6, "fast", "4-6")]
    assert fast["n_series"] == 5 and fast["coverage80"] == pytest.approx(3 / 5) and not fast["goal_met"]


def test_score_long_ignores_missing_future_points():
    future = np.full((2, 12), 100.0)
    future[1, 6:] = np.nan
    out = np.empty((2, 5, 12))
    out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4] = 100.0, 101.0, 102.0, 50.0, 150.0
    rows = {(r["history"], r["slice"], r["band"]): r for r in m4_long.score_long(_fake_windows(future, np.zeros(2, bool), np.full(2, 6)), out)}
    assert rows[("all", "all", "7-12")]["n_points"] == 6
    assert rows[("all", "all", "1-3")]["below_q10"] == 1.0


def test_conformal_factors_known_quantiles():
    # log median 0, unwidened bounds at -1 and +1: the needed factor is |log y| on each side.
    log_y = np.repeat(np.linspace(-2.0, 2.0, 401)[:, None], 3, axis=1)
    zero, one = np.zeros_like(log_y), np.ones_like(log_y)
    f_lo, f_hi = m4_priors.conformal_factors(log_y, zero, -one, one, level=0.8)
    # the 0.9 quantile of an even grid on [-2, 2] is -2 + 0.9 * 4 = 1.6 on both sides
    np.testing.assert_allclose(f_lo, 1.6, atol=1e-12)
    np.testing.assert_allclose(f_hi, 1.6, atol=1e-12)
    # halving the raw upper distance doubles the upper factor
    _, f_hi2 = m4_priors.conformal_factors(log_y, zero, -one, 0.5 * one, level=0.8)
    np.testing.assert_allclose(f_hi2, 3.2, atol=1e-12)


def test_calibration_uses_only_the_fitting_half(data):
    fit_rows, ev_rows = m4.split_halves(len(data.ids))
    cal = m4_priors.calibration_windows(data.subset(fit_rows[:30]))
    assert set(cal.index.tolist()) <= set(fit_rows.tolist())
    assert not set(cal.index.tolist()) & set(ev_rows.tolist())
    assert cal.test.shape[1] == m4_long.LONG_HORIZON


def test_calibration_windows_score_every_origin_of_the_last_six_years():
    # one 30-point series: origins 1..6 and 12 points back, plus the 6- and 10-point histories before the last 12
    y = np.exp(np.linspace(0.0, 2.9, 30))
    data = m4.M4Yearly(["S"], np.array([7]), [y], np.full((1, 6), np.nan), np.array(["Other"]))
    cal = m4_priors.calibration_windows(data)
    assert sorted(cal.ids) == sorted([f"S@-{b}" for b in (1, 2, 3, 4, 5, 6, 12)] + ["S@n6", "S@n10"])
    for b in (1, 3, 6, 12):
        row = cal.ids.index(f"S@-{b}")
        np.testing.assert_array_equal(cal.train[row], y[:-b])
        # the b cut points are the targets, in order; nothing after them
        np.testing.assert_array_equal(cal.test[row, :b], y[30 - b:])
        assert np.isnan(cal.test[row, b:]).all()
    row = cal.ids.index("S@n6")
    np.testing.assert_array_equal(np.r_[cal.train[row], cal.test[row]], y[-18:])


def test_run_to_last_target_matches_full_runs_and_stops_at_the_last_target(data):
    from dataclasses import replace

    from model.forecast import load_forecast_priors

    pri = replace(load_forecast_priors(), n_paths=200)
    sub = data.subset(range(2))
    short = m4_priors.validation_windows(sub, back=2, horizon=12)  # 2 targets, NaN after
    full = m4_priors.validation_windows(sub, back=12, horizon=12)  # 12 targets
    both = m4.M4Yearly(short.ids + [i + "x" for i in full.ids], np.r_[short.index, full.index],
                       short.train + full.train, np.vstack([short.test, full.test]), np.r_[short.category, full.category])
    out = m4_priors.run_to_last_target(both, workers=1, priors=pri, levels=(0.8, 0.95))
    assert out.shape == (4, 5, 12)
    assert np.isnan(out[:2, :, 2:]).all() and np.isfinite(out[:2, :, :2]).all()
    np.testing.assert_array_equal(out[:2, :, :2], m4.run_method(short, "model", workers=1, priors=pri, levels=(0.8, 0.95), horizon=2))
    np.testing.assert_array_equal(out[2:], m4.run_method(full, "model", workers=1, priors=pri, levels=(0.8, 0.95), horizon=12))


def test_long_cli_small_sample(tmp_path):
    out = tmp_path / "long.json"
    assert bench.main(["--long", "--sample", "12", "--workers", "1", "--json", str(out)]) == 0
    import json

    result = json.loads(out.read_text())
    assert result["sample"] == 12 and result["n_windows"] > 0
    bands = {(r["history"], r["slice"], r["band"]) for r in result["rows"]}
    assert {("all", "all", b) for b in ("1-3", "4-6", "7-12")} <= bands
    for r in result["rows"]:
        assert 0.0 <= r["coverage80"] <= r["coverage95"] <= 1.0
        assert r["above_q90"] + r["below_q10"] == pytest.approx(1.0 - r["coverage80"])
    assert not list(tmp_path.glob("m4_long.md"))  # a sample writes no result files unless --out


def test_bench_long_refuses_to_replace_a_long_result_file_it_did_not_write(tmp_path, capsys):
    from model.cli import main

    (tmp_path / "m4_long.md").write_text("my notes\n", encoding="utf-8")
    assert main(["bench", "m4", "--long", "--out", str(tmp_path)]) == 2
    assert "m4_long.md" in capsys.readouterr().err
    assert (tmp_path / "m4_long.md").read_text(encoding="utf-8") == "my notes\n"
