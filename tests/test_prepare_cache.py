"""model.prepare_cache: a stored context is used only for the same code, settings and input bytes, and runs the same."""

from __future__ import annotations

import numpy as np
import pytest

import model.prepare_cache as pc
from model.context import prepare
from model.engine import run_blocks
from model.scenario import load_scenario


class _Scenario:
    """What the cache reads of a scenario."""

    def __init__(self, path, digest="d1"):
        self.chain, self.name, self._digest = [path], "s", digest

    def digest(self):
        return self._digest


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


def test_hit_only_while_every_input_is_unchanged(cache, inputs):
    sc, data, artefact = inputs
    key = pc.cache_key(sc, None, data, artefact)
    assert pc.load(key, sc, data, artefact) is None  # nothing stored yet
    pc.store(key, {"ctx": 1}, sc, data, artefact)
    assert pc.load(key, sc, data, artefact) == {"ctx": 1}
    (data / "revenue.csv").write_text("id,year,value\na,2013,2\n")  # a changed byte of the data
    assert pc.load(key, sc, data, artefact) is None
    pc.store(key, {"ctx": 2}, sc, data, artefact)
    (data / "new.csv").write_text("x\n")  # a file added to the dataset folder
    assert pc.load(key, sc, data, artefact) is None
    pc.store(key, {"ctx": 3}, sc, data, artefact)
    artefact.write_text("# fitted\n")  # the artefact appears (it was absent)
    assert pc.load(key, sc, data, artefact) is None
    pc.store(key, {"ctx": 4}, sc, data, artefact)
    sc.chain[0].write_text("[scenario]\npaths = 10\n")  # the scenario file
    assert pc.load(key, sc, data, artefact) is None


def test_key_follows_settings_and_as_of(cache, inputs):
    sc, data, artefact = inputs
    k = pc.cache_key(sc, None, data, artefact)
    assert k == pc.cache_key(sc, None, data, artefact)
    assert k != pc.cache_key(_Scenario(sc.chain[0], "d2"), None, data, artefact)
    assert k != pc.cache_key(sc, 2012, data, artefact)


def test_torn_file_is_a_miss_and_off_writes_nothing(cache, inputs, monkeypatch):
    sc, data, artefact = inputs
    key = pc.cache_key(sc, None, data, artefact)
    path = pc.store(key, {"ctx": 1}, sc, data, artefact)
    path.write_bytes(path.read_bytes()[:-20])
    assert pc.load(key, sc, data, artefact) is None
    monkeypatch.setenv("ATTAIN_CACHE", "off")
    assert pc.cache_dir() is None and pc.store("other", {"ctx": 1}, sc, data, artefact) is None
    assert [p.name for p in cache.iterdir()] == [path.name]


def test_only_the_newest_entries_are_kept(cache, inputs, monkeypatch):
    sc, data, artefact = inputs
    monkeypatch.setattr(pc, "MAX_ENTRIES", 3)
    for i in range(5):
        pc.store(f"k{i}", i, sc, data, artefact)
    assert len(list(cache.glob("prepared-*.pkl"))) == 3


def test_cached_context_runs_bit_identical(cache, monkeypatch):
    import model.context as context_module

    sc = load_scenario("baseline")
    cold = prepare(sc)
    files = list(cache.glob("prepared-*.pkl"))
    assert len(files) == 1

    def rebuilt(*args):
        raise AssertionError("the context was rebuilt, not read from the cache")

    monkeypatch.setattr(context_module, "_prepare", rebuilt)
    warm = prepare(sc)
    assert warm is not cold and warm.inputs == cold.inputs
    a, b = run_blocks(cold, 250, 7), run_blocks(warm, 250, 7)
    for tid in a.blocks[0].values:
        assert np.array_equal(a.blocks[0].values[tid], b.blocks[0].values[tid]), tid
    assert np.array_equal(a.blocks[0].nodes, b.blocks[0].nodes)
