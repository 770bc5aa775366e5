"""The stated macro view and its Bayesian update by the province's data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.dynamics import damped_growth
from model.errors import ScenarioError
from model.macro_view import DEFAULT_VIEW, MacroPosterior, MacroView, macro_posterior
from model.scenario import load_scenario

JIANGXI = np.array([7600, 9450, 13210, 17650, 20900, 24560.0])  # embedded province totals 2008-2013


def _first_year_median(post: MacroPosterior, n: int = 20000) -> float:
    rng = np.random.default_rng(1)
    mu, phi, sigma, start = post.sample(rng, n)
    g = damped_growth(start, mu, phi, sigma[:, None] * rng.standard_normal((n, 1)))
    return float(np.median(g[:, 0]))


def test_a_decelerating_series_does_not_accelerate_in_the_first_forecast_year():
    growth = np.array([0.34, 0.30, 0.26, 0.22, 0.18])  # decelerating by 4 points a year, above the long-run view
    post = macro_posterior(np.exp(np.concatenate([[0.0], np.cumsum(growth)])))
    assert post.last_growth <= growth[-1] + 0.005  # the filter starts where the data end
    assert _first_year_median(post) <= growth[-1]


def test_jiangxi_starts_at_or_below_its_last_observed_growth():
    post = macro_posterior(JIANGXI)
    last = np.log(JIANGXI[-1] / JIANGXI[-2])
    assert post.last_observed_growth == pytest.approx(last)
    assert abs(post.last_growth - last) < 0.01
    assert _first_year_median(post) < last


def test_posterior_mean_lies_between_prior_and_data():
    post = macro_posterior(JIANGXI)
    data_mean = np.mean(np.diff(np.log(JIANGXI)))
    assert DEFAULT_VIEW.long_run_growth < post.mu < data_mean


def test_data_weight_follows_the_prior_precision():
    vague = macro_posterior(JIANGXI, dataclasses.replace(DEFAULT_VIEW, long_run_growth_sd=0.2))
    sharp = macro_posterior(JIANGXI, dataclasses.replace(DEFAULT_VIEW, long_run_growth_sd=0.005))
    assert vague.data_weight["mu"] > 0.6 and sharp.data_weight["mu"] < 0.05
    assert sharp.mu == pytest.approx(DEFAULT_VIEW.long_run_growth, abs=0.005)
    for w in macro_posterior(JIANGXI).data_weight.values():
        assert 0.0 <= w <= 1.0


def test_a_planners_view_moves_the_posterior():
    low = macro_posterior(JIANGXI, dataclasses.replace(DEFAULT_VIEW, long_run_growth=0.06))
    high = macro_posterior(JIANGXI, dataclasses.replace(DEFAULT_VIEW, long_run_growth=0.14))
    assert low.mu < macro_posterior(JIANGXI).mu < high.mu


def test_persistence_draws_live_inside_the_unit_interval_without_atoms():
    phi = macro_posterior(JIANGXI).sample(np.random.default_rng(2), 20000)[1]
    assert (phi > 0).all() and (phi < 1).all()
    assert np.unique(phi).size == phi.size
    # a Beta(3, 2) prior updated by the data: the mean stays inside, far from both bounds
    assert 0.4 < phi.mean() < 0.85


def test_last_observed_start_uses_the_observed_growth_exactly():
    post = macro_posterior(JIANGXI, dataclasses.replace(DEFAULT_VIEW, start="last_observed"))
    start = post.sample(np.random.default_rng(3), 100)[3]
    assert np.all(start == np.log(JIANGXI[-1] / JIANGXI[-2]))


def test_round_trip_keeps_the_summaries_and_rebuilds_the_grid():
    post = macro_posterior(JIANGXI)
    again = MacroPosterior.from_dict(post.to_dict())
    assert again.to_dict() == post.to_dict()
    a, b = post.sample(np.random.default_rng(4), 50), again.sample(np.random.default_rng(4), 50)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_an_impossible_persistence_prior_is_refused():
    with pytest.raises(ScenarioError, match="Beta prior"):
        MacroView(persistence=0.9, persistence_sd=0.4)


def test_a_scenario_states_its_view(tmp_path):
    f = tmp_path / "my_view.toml"
    f.write_text('[scenario]\ninherits = "baseline.toml"\n\n[macro]\nlong_run_growth = 0.07\nlong_run_growth_sd = 0.02\n', encoding="utf-8")
    view = load_scenario(f).macro_view()
    assert view.long_run_growth == 0.07 and view.long_run_growth_sd == 0.02 and view.persistence == DEFAULT_VIEW.persistence
    bad = tmp_path / "bad.toml"
    bad.write_text('[macro]\npersistence = 0.95\npersistence_sd = 0.3\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.toml.*persistence"):
        load_scenario(bad)


def test_the_readme_snippet_is_a_working_scenario(tmp_path):
    """README "What the probabilities assume" shows a [macro] view; it must load as written."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## What the probabilities assume"):]
    snippet = section[section.index("```toml") + len("```toml"): section.index("```", section.index("```toml") + 7)]
    f = tmp_path / "my_view.toml"
    f.write_text(snippet, encoding="utf-8")
    view = load_scenario(f).macro_view()
    assert (view.long_run_growth, view.long_run_growth_sd) == (0.08, 0.02)
    low = macro_posterior(JIANGXI, view)
    assert low.mu < macro_posterior(JIANGXI).mu


def test_prior_densities_equal_scipy_stats_float_for_float():
    """The posterior grid avoids importing scipy.stats on the run path; the densities must not change."""
    import numpy as np
    from scipy import stats

    from model.macro_view import _beta_logpdf, _norm_logpdf

    phi = (np.arange(400) + 0.5) / 400
    for a, b in [(2.1, 1.4), (0.7, 0.9), (1.0, 1.0), (5.3, 2.2)]:
        assert _beta_logpdf(phi, a, b).tobytes() == stats.beta.logpdf(phi, a, b).tobytes(), (a, b)
    log_sigma = np.linspace(np.log(0.005), np.log(0.5), 300)
    for loc, scale in [(np.log(0.03), 0.5), (np.log(0.08), 0.35)]:
        assert _norm_logpdf(log_sigma, loc, scale).tobytes() == stats.norm.logpdf(log_sigma, loc, scale).tobytes()
