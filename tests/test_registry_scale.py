"""Registry-scale dataset: the remainders split into made-up firms, every aggregate and anchor unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.data import default_data_dir, load_dataset
from model.hierarchy import build_hierarchy
from model.commands.generate import main as generator_main
from model.registry_scale import _allocate, _whole_host


def test_allocation_is_proportional_and_exact():
    got = _allocate(np.array([0.0, 1.0, 3.0, 6.0]), 10)
    assert got.tolist() == [0, 1, 3, 6] and got.sum() == 10
    assert _allocate(np.array([1.0, 1.0, 1.0]), 4).sum() == 4
    assert _allocate(np.zeros(3), 5).tolist() == [0, 0, 0]


def test_registry_dataset_keeps_every_aggregate_and_adds_only_synthetic_firms(tmp_path, capsys):
    folder = tmp_path / "registry"
    assert generator_main([str(folder), "--registry", "900"]) == 0
    assert "900 enterprises" in capsys.readouterr().out
    panel = load_dataset(folder)  # validates: members never exceed their aggregates
    build_hierarchy(panel)  # and every park's remainder still holds the cluster remainders allocated to it
    assert len(panel.enterprises) == 900 and panel.illustrative
    assert "registry-900-illustrative" in (folder / "dataset.toml").read_text(encoding="utf-8")
    base = pd.read_csv(default_data_dir() / "revenue.csv", dtype=str)
    reg = pd.read_csv(folder / "revenue.csv", dtype=str)
    embedded_ids = set(load_dataset().enterprises.index)
    added = reg[~reg["entity"].isin(set(base["entity"]))]
    # every row of the embedded panel (regions, parks, clusters, tracked firms) is kept as it was
    pd.testing.assert_frame_equal(reg[reg["entity"].isin(set(base["entity"]))].reset_index(drop=True), base)
    assert set(added["entity"]) == set(panel.enterprises.index) - embedded_ids
    assert (added["provenance"] == "synthetic").all() and added["source"].str.startswith("illustrative: model.registry_scale").all()


def test_small_registries_build_a_valid_hierarchy(tmp_path):
    # 400-1,000 firms once gave a park's remainder less than its clusters' allocations (a shared cluster's firms)
    for n in (500,):
        assert generator_main([str(tmp_path / str(n)), "--registry", str(n)]) == 0
        build_hierarchy(load_dataset(tmp_path / str(n)))


def test_only_clusters_held_whole_by_one_park_receive_firms():
    assert _whole_host("P.NC.01") and _whole_host("") and _whole_host("P.NC.01=1") and _whole_host("P.NC.01;")
    assert not _whole_host("P.A=0.25;P.B=0.75") and not _whole_host("P.A=0.5")
