"""Growth simulation: coherence, share normalisation, seeding, parameter draws, industry shocks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _shared import hierarchy, panel

from model.artefact import load_params
from model.calibrate import Estimate
from model.errors import DataError
from model.growth import _roll, draw_params, leaf_state, simulate_leaves, simulate_macro
from model.testing import assert_coherent

HORIZON = 4
N_PATHS = 250


@pytest.fixture(scope="module")
def h():
    return hierarchy()


@pytest.fixture(scope="module")
def params():
    return load_params()[0]


@pytest.fixture(scope="module")
def leaves(params, h):
    return simulate_leaves(params, h, HORIZON, N_PATHS, np.random.default_rng(11))


def test_shapes_and_finite(leaves, h):
    assert leaves.shape == (N_PATHS, len(h.leaves), HORIZON)
    assert np.isfinite(leaves).all()
    assert (leaves >= 0).all()


def test_aggregates_are_coherent_in_every_path_and_year(leaves, h):
    nodes = h.aggregate(leaves)
    assert nodes.shape == (N_PATHS, len(h.nodes), HORIZON)
    assert_coherent(h.matrix, leaves, nodes)


def test_geographic_nesting_holds_in_every_path(leaves, h):
    """Independent of the matrix: a region equals its child regions + parks + the leaves sitting directly in it."""
    p = panel()
    nodes = h.aggregate(leaves)
    geo = h.leaves["geo"].to_numpy()
    checked = 0
    for region in p.regions.index:
        kids = list(p.regions.index[p.regions["parent"] == region]) + list(p.parks.index[p.parks["region"] == region])
        direct = np.flatnonzero(geo == region)
        if not kids and not len(direct):
            continue
        expected = sum((nodes[:, h.node_index[k], :] for k in kids), np.zeros((N_PATHS, HORIZON)))
        expected = expected + leaves[:, direct, :].sum(axis=1)
        np.testing.assert_allclose(nodes[:, h.node_index[region], :], expected, rtol=1e-10, err_msg=region)
        checked += 1
    assert checked >= 5
    # the province is the sum of every leaf
    np.testing.assert_allclose(nodes[:, h.node_index["JX"], :], leaves.sum(axis=1), rtol=1e-10)


def _by_hand(params, h, seed, n=N_PATHS, horizon=HORIZON):
    """simulate_leaves decomposed into its steps, sharing one generator."""
    rng = np.random.default_rng(seed)
    p = draw_params(params, n, rng)
    macro = simulate_macro(p, params, horizon, rng, None)
    state = leaf_state(h, params.diagnostics["macro_last_observed_growth"])
    return p, macro, state, _roll(p, state, macro, rng)


def test_without_industry_shocks_province_growth_equals_the_macro_path(params, h):
    """Firm-level deviations only redistribute shares: with tau = 0 the total grows by m_t exactly."""
    calm = dataclasses.replace(params, tau=Estimate(0.0, 0.0))
    _, macro, state, out = _by_hand(calm, h, seed=5)
    np.testing.assert_array_equal(out, simulate_leaves(calm, h, HORIZON, N_PATHS, np.random.default_rng(5)))
    total = np.concatenate([np.broadcast_to(state.level.sum(), (N_PATHS, 1)), out.sum(axis=1)], axis=1)
    np.testing.assert_allclose(np.diff(np.log(total), axis=1), macro, rtol=0, atol=1e-12)
    # leaves do move relative to each other (shares change)
    shares = out[:, :, -1] / out[:, :, -1].sum(axis=1, keepdims=True)
    assert np.ptp(shares, axis=0).max() > 1e-3


def test_industry_shocks_move_the_province_total_by_their_share(params, h):
    """First year: total growth - m_1 = log sum_k s_k exp(u_k) ~ N(0, tau^2 * sum_k s_k^2) (s_k: industry shares)."""
    n = 4000
    rng = np.random.default_rng(9)
    p = draw_params(params, n, rng)
    macro = simulate_macro(p, params, 1, rng, None)
    state = leaf_state(h, params.diagnostics["macro_last_observed_growth"])
    out = _roll(p, state, macro, rng)
    excess = np.log(out[:, :, 0].sum(axis=1) / state.level.sum()) - macro[:, 0]
    share = np.bincount(state.group, weights=state.level, minlength=state.n_groups + 1)[: state.n_groups] / state.level.sum()
    expected_sd = params.tau.value * np.sqrt((share**2).sum())
    assert abs(excess.mean()) < 4 * expected_sd / np.sqrt(n) + 0.002
    assert excess.std() == pytest.approx(expected_sd, rel=0.25)
    assert (share.sum() < 0.8) and expected_sd > 0.005  # half the revenue is unclustered (idiosyncratic only)


def test_same_seed_is_bit_identical_and_seed_matters(params, h, leaves):
    again = simulate_leaves(params, h, HORIZON, N_PATHS, np.random.default_rng(11))
    assert np.array_equal(leaves, again)
    other = simulate_leaves(params, h, HORIZON, N_PATHS, np.random.default_rng(12))
    assert not np.allclose(leaves, other)


def test_every_path_draws_its_own_parameters(params):
    p = draw_params(params, 2000, np.random.default_rng(3))
    for name in ("phi", "tau", "rho", "sigma", "beta", "macro_mu", "macro_phi", "macro_sigma", "macro_start"):
        values = getattr(p, name)
        assert values.shape == (2000,)
        assert np.unique(values).size > 1500, name
    # df is not drawn (its SE under-covers): every path uses the point estimate
    assert np.all(p.df == params.df.value)
    # spread of the draws = the estimated standard errors (phi, beta are normal; none clipped here)
    for name in ("phi", "beta"):
        est = getattr(params, name)
        assert np.mean(getattr(p, name)) == pytest.approx(est.value, abs=4 * est.se / np.sqrt(2000))
        assert np.std(getattr(p, name)) == pytest.approx(est.se, rel=0.1)
    assert np.median(p.tau) == pytest.approx(params.tau.value, rel=0.05)
    assert (p.tau > 0).all() and (p.sigma > 0).all()


def test_sigma_and_beta_are_drawn_jointly(params):
    p = draw_params(params, 4000, np.random.default_rng(4))
    r = np.corrcoef(np.log(p.sigma), p.beta)[0, 1]
    assert abs(params.sigma_beta_corr) > 0.5  # the size regression's intercept and slope are strongly tied
    assert r == pytest.approx(params.sigma_beta_corr, abs=0.05)


def test_macro_persistence_has_no_point_mass_at_a_bound(params):
    p = draw_params(params, 20000, np.random.default_rng(5))
    phi = p.macro_phi
    assert (phi > 0).all() and (phi < 1).all()
    # no atom anywhere: the most repeated value occurs once, and no more than 1 % sit within 0.01 of either bound
    assert np.unique(phi).size == phi.size
    assert np.mean(phi > 0.99) < 0.01 and np.mean(phi < 0.01) < 0.01


def test_without_parameter_uncertainty_every_path_shares_the_point_estimates(params):
    from model.macro_view import macro_posterior

    view = dataclasses.replace(params.macro.view, parameter_uncertainty=False)
    fixed = dataclasses.replace(params, macro=macro_posterior(params.macro.province, view))
    p = draw_params(fixed, 500, np.random.default_rng(6))
    for name in ("phi", "tau", "rho", "sigma", "beta", "macro_mu", "macro_phi", "macro_sigma", "macro_start"):
        assert np.unique(getattr(p, name)).size == 1, name
    assert p.macro_mu[0] == fixed.macro.mu and p.sigma[0] == pytest.approx(params.sigma.value)


def test_leaves_with_zero_last_level_stay_zero(params, h):
    hist = h.history.copy()
    dead = np.array([0, 3, h.enterprise_leaves[-1], len(h.leaves) - 1])
    hist[dead, -1] = 0.0
    h0 = dataclasses.replace(h, history=hist)
    out = simulate_leaves(params, h0, HORIZON, N_PATHS, np.random.default_rng(2))
    assert (out[:, dead, :] == 0).all()
    alive = np.setdiff1d(np.flatnonzero(np.nan_to_num(hist[:, -1]) > 0), dead)
    assert (out[:, alive, :] > 0).all()
    # the macro normalisation still holds with dead leaves (without industry shocks)
    calm = dataclasses.replace(params, tau=Estimate(0.0, 0.0))
    out = simulate_leaves(calm, h0, HORIZON, N_PATHS, np.random.default_rng(2))
    _, macro, state, rolled = _by_hand(calm, h0, seed=2)
    np.testing.assert_array_equal(rolled, out)
    total = np.concatenate([np.full((N_PATHS, 1), state.level.sum()), out.sum(axis=1)], axis=1)
    np.testing.assert_allclose(np.diff(np.log(total), axis=1), macro, rtol=0, atol=1e-12)


def test_a_leaf_without_a_last_year_value_is_an_error_not_a_zero_start(h):
    hist = h.history.copy()
    hist[h.enterprise_leaves[0], -1] = np.nan  # load_dataset rejects this; only a hand-built hierarchy gets here
    with pytest.raises(DataError, match=rf"no value in {h.years[-1]} \(the last data year\) for 1 leaf/leaves \({h.leaves['id'][h.enterprise_leaves[0]]}\)"):
        leaf_state(dataclasses.replace(h, history=hist), 0.0)


def _mean_correlations(params, h, n_paths=2000, seed=8):
    """Mean rank correlation of first-year leaf growth across paths: within vs across shock groups."""
    out = simulate_leaves(params, h, 1, n_paths, np.random.default_rng(seed))
    level0 = np.nan_to_num(h.history[:, -1])
    ok = level0 > 0
    g = np.log(out[:, ok, 0] / level0[ok])
    ranks = g.argsort(axis=0).argsort(axis=0).astype(float)
    corr = np.corrcoef(ranks, rowvar=False)
    group = leaf_state(h, 0.0).group[ok]
    same = group[:, None] == group[None, :]
    off = ~np.eye(len(group), dtype=bool)
    return corr[same & off].mean(), corr[~same].mean()


def test_industry_shocks_are_common_within_a_group(params, h):
    within, across = _mean_correlations(params, h)
    assert within > across + 0.02, (within, across)
    # Without industry shocks (tau = 0) the group structure disappears: the test above is not automatic.
    no_tau = dataclasses.replace(params, tau=Estimate(0.0, 0.0))
    within0, across0 = _mean_correlations(no_tau, h)
    assert abs(within0 - across0) < 0.01, (within0, across0)
    assert within - across > 3 * abs(within0 - across0)
