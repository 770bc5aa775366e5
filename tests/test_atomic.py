"""Atomic writes: the new text or the old file, never a leftover temporary file."""

from __future__ import annotations

import os

import pytest

from model.atomic import replace_text


def test_writes_utf8_and_creates_parents(tmp_path):
    path = replace_text("赣州 5500亿\n", tmp_path / "a" / "b.txt")
    assert path.read_text(encoding="utf-8") == "赣州 5500亿\n"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_failure_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = replace_text("old", tmp_path / "f.txt")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        replace_text("new", path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
