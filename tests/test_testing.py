"""model.testing: readable parameter diffs and the coherence check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.artefact import load_params
from model.calibrate import Estimate
from model.testing import assert_coherent, assert_params_close, flatten_params, params_diff


@pytest.fixture(scope="module")
def params():
    return load_params()[0]


def test_identical_params_pass(params):
    assert_params_close(params, params, rtol=0, atol=0)
    assert_params_close(params.to_dict(), params, rtol=0, atol=0)  # dicts from to_dict work too
    assert params_diff(params, params) == []


def test_flatten_names_every_parameter(params):
    flat = flatten_params(params)
    assert flat["phi"] == params.phi.value and flat["phi.se"] == params.phi.se
    assert flat["macro.mu"] == params.macro.mu
    assert len(flat) == 16


def test_perturbed_phi_is_named(params):
    bumped = dataclasses.replace(params, phi=Estimate(params.phi.value * 1.01, params.phi.se))
    with pytest.raises(AssertionError) as info:
        assert_params_close(bumped, params, rtol=1e-5)
    msg = str(info.value)
    lines = msg.splitlines()
    assert lines[0].startswith("calibration differs")
    assert len(lines) == 2  # one line per parameter beyond tolerance, nothing else
    assert lines[1].split()[0] == "phi"
    assert f"{params.phi.value:.6g}" in lines[1] and f"{params.phi.value * 1.01:.6g}" in lines[1]
    assert "tolerance" in lines[1]
    # within a looser tolerance it passes
    assert_params_close(bumped, params, rtol=0.02)


def test_macro_and_tail_changes_are_named(params):
    macro = dataclasses.replace(params.macro, mu=params.macro.mu + 0.01)
    changed = dataclasses.replace(params, macro=macro, tail="laplace", df=Estimate(float("inf"), 0.0))
    diff = params_diff(changed, params)
    names = [line.split()[0] for line in diff]
    assert "macro.mu" in names and "df" in names and "tail" in names
    assert "phi" not in names
    # infinite df on both sides (Laplace) counts as equal
    assert params_diff(changed, changed) == []


def test_assert_coherent_passes_on_sums_and_catches_an_incoherent_node():
    rng = np.random.default_rng(1)
    matrix = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 0, 1]], float)
    leaves = rng.lognormal(size=(20, 4, 3))
    nodes = np.einsum("nl,ply->pny", matrix, leaves)
    assert_coherent(matrix, leaves, nodes)
    bad = nodes.copy()
    bad[7, 2, 1] *= 1.001
    with pytest.raises(AssertionError, match=r"1 incoherent aggregate value\(s\); first at index \(7, 2, 1\)"):
        assert_coherent(matrix, leaves, bad)
