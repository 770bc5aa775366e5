"""The stored calibration artefact: round trip, header, non-finite values, atomic writes."""

from __future__ import annotations

import dataclasses
import math
import tomllib

import pytest

from model.artefact import default_artefact_path, library_versions, load_params, save_params
from model.calibrate import Estimate
from model.testing import assert_params_close


@pytest.fixture(scope="module")
def stored():
    return load_params()


def test_default_artefact_loads(stored):
    params, header = stored
    assert default_artefact_path().name == "parameters.toml"
    assert len(header["data_hash"]) == 16
    assert params.tail in ("student_t", "laplace")
    assert params.phi.se > 0 and params.tau.se > 0 and len(params.macro.province) >= 3 and params.macro.mu_sd > 0


def test_round_trip_is_exact(stored, tmp_path):
    params, _ = stored
    path = save_params(params, "abcdef0123456789", tmp_path / "p.toml", note="test")
    loaded, header = load_params(path)
    assert_params_close(loaded, params, rtol=0, atol=0)
    assert loaded.macro.to_dict() == params.macro.to_dict() and loaded.sigma_beta_corr == params.sigma_beta_corr
    assert loaded.diagnostics == params.diagnostics
    assert header["data_hash"] == "abcdef0123456789" and header["note"] == "test"
    assert header["versions"] == library_versions()
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]  # no temp file left
    assert path.read_text(encoding="utf-8").startswith("# Fitted parameters")


def test_non_finite_and_missing_values(stored, tmp_path):
    params, _ = stored
    laplace = dataclasses.replace(params, tail="laplace", df=Estimate(math.inf, 0.0), diagnostics={**params.diagnostics, "mixedlm_llf": None})
    path = save_params(laplace, "0" * 16, tmp_path / "laplace.toml")
    tomllib.loads(path.read_text(encoding="utf-8"))  # valid TOML (no null, inf stored as text)
    loaded, _ = load_params(path)
    assert loaded.tail == "laplace" and math.isinf(loaded.df.value)
    assert "mixedlm_llf" not in loaded.diagnostics
    assert_params_close(loaded, laplace, rtol=0, atol=0)


def test_missing_artefact_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="attain calibrate"):
        load_params(tmp_path / "none.toml")


def test_library_versions():
    v = library_versions()
    assert {"python", "numpy", "scipy", "pandas", "statsmodels"} <= set(v)


def test_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import os

    params, _ = load_params()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_params(params, "abc", tmp_path / "parameters.toml")
    assert list(tmp_path.iterdir()) == []
