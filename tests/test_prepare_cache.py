"""model.prepare_cache: a stored context is used only for the same code, settings and input bytes, and runs the same."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import model.prepare_cache as pc
from model.context import prepare
from model.engine import run_blocks
from model.scenario import load_scenario


class _Scenario:
    """What the cache reads of a scenario."""

    def __init__(self, path, horizon=2020, seed=1):
        self.chain, self.name, self.levers = [path], "s", {}
        self.settings = {"scenario": {"horizon": horizon, "seed": seed, "paths": 100}}


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("ATTAIN_CACHE_DIR", str(folder))
    monkeypatch.delenv("ATTAIN_CACHE", raising=False)
    return folder


@pytest.fixture()
def inputs(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "revenue.csv").write_text("id,year,value\na,2013,1\n")
    scen = tmp_path / "s.toml"
    scen.write_text("[scenario]\n")
    return _Scenario(scen), data, data / "parameters.toml"


def _keep(sc, data, artefact, value):
    key = pc.cache_key(sc, None, data, artefact)
    return key, pc.store(key, value, pc.input_hashes(sc, data, artefact))


def test_hit_only_while_every_input_is_unchanged(cache, inputs, monkeypatch):
    monkeypatch.setattr(dataclasses, "replace", lambda obj, **kw: obj)  # the stored values here are plain dicts
    sc, data, artefact = inputs
    key = pc.cache_key(sc, None, data, artefact)
    assert pc.load(key, sc, data, artefact) is None  # nothing stored yet
    _keep(sc, data, artefact, {"ctx": 1})
    assert pc.load(key, sc, data, artefact) == {"ctx": 1}
    (data / "revenue.csv").write_text("id,year,value\na,2013,2\n")  # a changed byte of the data
    assert pc.load(key, sc, data, artefact) is None
    _keep(sc, data, artefact, {"ctx": 2})
    (data / "new.csv").write_text("x\n")  # a file added to the dataset folder
    assert pc.load(key, sc, data, artefact) is None
    _keep(sc, data, artefact, {"ctx": 3})
    artefact.write_text("# fitted\n")  # the artefact appears (it was absent)
    assert pc.load(key, sc, data, artefact) is None
    _keep(sc, data, artefact, {"ctx": 4})
    sc.chain[0].write_text("[scenario]\npaths = 10\n")  # the scenario file
    assert pc.load(key, sc, data, artefact) is None
    _keep(sc, data, artefact, {"ctx": 5})
    (data / "out").mkdir()
    (data / "out" / "paths.nc").write_text("a result written into the data folder is not an input\n")
    assert pc.load(key, sc, data, artefact) == {"ctx": 5}


def test_an_input_edited_while_preparing_is_a_miss_next_time(cache, inputs, monkeypatch):
    monkeypatch.setattr(dataclasses, "replace", lambda obj, **kw: obj)
    sc, data, artefact = inputs
    key = pc.cache_key(sc, None, data, artefact)
    before = pc.input_hashes(sc, data, artefact)  # what prepare takes before reading
    (data / "revenue.csv").write_text("id,year,value\na,2013,9\n")  # edited during the run
    pc.store(key, {"built from": "the old bytes"}, before)
    assert pc.load(key, sc, data, artefact) is None
    pc.refresh()  # storing again after the run keeps the hashes taken before
    assert pc.load(key, sc, data, artefact) is None


def test_key_follows_settings_not_paths_or_seed(cache, inputs):
    sc, data, artefact = inputs
    k = pc.cache_key(sc, None, data, artefact)
    assert k == pc.cache_key(_Scenario(sc.chain[0], seed=2), None, data, artefact)  # seed and paths: the simulation's
    assert k != pc.cache_key(_Scenario(sc.chain[0], horizon=2025), None, data, artefact)
    assert k != pc.cache_key(sc, 2012, data, artefact)


def test_torn_and_foreign_files(cache, inputs, monkeypatch):
    sc, data, artefact = inputs
    key, path = _keep(sc, data, artefact, {"ctx": 1})
    path.write_bytes(path.read_bytes()[:-20])
    assert pc.load(key, sc, data, artefact) is None  # torn: a miss
    path.write_bytes(b"not attain's\n")
    assert pc.load(key, sc, data, artefact) is None and pc.store(key, {"ctx": 2}, {}) is None
    assert path.read_bytes() == b"not attain's\n"  # never replaced
    monkeypatch.setattr(pc, "MAX_ENTRIES", 1)
    _keep(_Scenario(sc.chain[0], horizon=2030), data, artefact, {"ctx": 3})
    assert path.exists()  # nor pruned
    monkeypatch.setenv("ATTAIN_CACHE", "off")
    assert pc.cache_dir() is None and pc.store("other", {"ctx": 1}, {}) is None


def test_only_the_newest_entries_are_kept(cache, inputs, monkeypatch):
    sc, data, artefact = inputs
    monkeypatch.setattr(pc, "MAX_ENTRIES", 3)
    for i in range(5):
        pc.store(f"k{i}", i, {})
    assert len(list(cache.glob("prepared-*.pkl"))) == 3


def test_cached_context_runs_bit_identical(cache, monkeypatch):
    import model.context as context_module

    sc = load_scenario("baseline")
    cold = prepare(sc)
    assert len(list(cache.glob("prepared-*.pkl"))) == 1

    def rebuilt(*args):
        raise AssertionError("the context was rebuilt, not read from the cache")

    monkeypatch.setattr(context_module, "_prepare", rebuilt)
    other_seed = sc.with_overrides(seed=99, paths=500)
    warm = prepare(other_seed)  # another seed and path count: the same preparation
    assert warm is not cold and warm.inputs == cold.inputs and warm.scenario is other_seed
    a, b = run_blocks(cold, 250, 7), run_blocks(warm, 250, 7)
    for tid in a.blocks[0].values:
        assert np.array_equal(a.blocks[0].values[tid], b.blocks[0].values[tid]), tid
    assert np.array_equal(a.blocks[0].nodes, b.blocks[0].nodes)
    # a history variant computed on the cached context is kept with it after the run
    from model.context import with_history

    with_history(warm, {"signed_per_year_jx_major": 30})
    pc.refresh()
    again = prepare(sc)
    assert any(k for k in again.history_parts)
