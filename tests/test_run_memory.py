"""Memory estimate of a run: a run that cannot fit is refused before it starts, naming what it needs."""

from __future__ import annotations

import pytest

from model.cli import main
from model.errors import UsageError
from model.run_memory import MemoryEstimate, check_run_memory, estimate_run_memory, parse_size
from tests._shared import context


def test_sizes_parse_in_binary_units():
    assert parse_size("8GB") == 8 * 2**30
    assert parse_size("512m") == 512 * 2**20
    assert parse_size("1.5G") == int(1.5 * 2**30)
    assert parse_size("1000") == 1000
    for bad in ("", "-1G", "lots", "0"):
        with pytest.raises(UsageError, match="expected a positive size"):
            parse_size(bad)


def test_estimate_grows_linearly_with_paths_and_a_million_paths_need_many_gigabytes():
    ctx = context("baseline")
    small, large = estimate_run_memory(ctx, 10_000), estimate_run_memory(ctx, 1_000_000)
    assert large.total - small.total == 990_000 * small.per_path
    # what a path keeps: every evaluable target's value, 3 stages and yearly path (float64) at least
    n_targets = sum(c.evaluable for c in ctx.targets)
    assert small.per_path >= 8 * n_targets * (4 + len(ctx.years))
    assert large.total > 10 * 2**30
    assert estimate_run_memory(ctx, 10_000, workers=2).total > small.total  # a second worker's block and copy


def test_check_refuses_with_the_estimate_and_what_fits():
    est = MemoryEstimate(total=3 * 2**30, per_path=2**20, fixed=2**28, block=2**28, n_paths=2560, workers=1)
    check_run_memory(est, None, "no limit")
    check_run_memory(est, 4 * 2**30, "test")
    with pytest.raises(UsageError) as err:
        check_run_memory(est, 2 * 2**30, "--max-memory 2GB")
    msg = str(err.value)
    assert "about 3.0 GB" in msg and "more than 2.0 GB (--max-memory 2GB)" in msg
    assert "At most about 1,536 paths fit" in msg  # (2 GB - 512 MB fixed and block) / 1 MB a path


def test_run_over_the_limit_is_refused_before_any_path_is_simulated(capsys, monkeypatch, tmp_path):
    import model.engine as engine

    def never(*a, **k):
        raise AssertionError("simulation started")

    monkeypatch.setattr(engine, "run_blocks", never)
    out = tmp_path / "out"
    status = main(["run", "baseline", "--paths", "1000000", "--max-memory", "2GB", "--no-progress", "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "--paths 1,000,000: the run would need about" in err and "refused before it starts" in err
    assert not out.exists()


def test_bad_max_memory_is_a_usage_error_before_the_data_load(capsys):
    assert main(["run", "baseline", "--max-memory", "lots"]) == 2
    assert "--max-memory lots: expected a positive size" in capsys.readouterr().err
