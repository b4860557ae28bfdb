"""The results store: signed files, never loaded when foreign or damaged."""

from __future__ import annotations

import os
import stat
import sys
import time

import pandas as pd
import pytest

from labelxl.io.results import FileResults, key_file, user_key


def test_a_value_comes_back_exactly_with_its_fingerprints(tmp_path):
    store = FileResults.open(tmp_path / "results", tmp_path / "key")
    assert store is not None
    frame = pd.DataFrame({"a": [1.5, None], "b": pd.Series(["x", None], dtype=object)})
    store.put("k", {"Audits": "f1"}, {"frame": frame, "n": 3})
    deps, load = store.get("k")
    assert deps == {"Audits": "f1"}
    value = load()
    pd.testing.assert_frame_equal(value["frame"], frame)
    assert value["n"] == 3
    assert store.get("other") is None


@pytest.mark.parametrize("where", [0, 40, -1])
def test_an_edited_file_is_ignored(tmp_path, where):
    store = FileResults.open(tmp_path / "results", tmp_path / "key")
    store.put("k", {"Audits": "f1"}, [1, 2, 3])
    path = tmp_path / "results" / "k.pkl"
    data = bytearray(path.read_bytes())
    data[where] ^= 0x01
    path.write_bytes(bytes(data))
    assert store.get("k") is None


def test_a_file_signed_by_another_user_is_ignored(tmp_path):
    mine = FileResults.open(tmp_path / "results", tmp_path / "my-key")
    theirs = FileResults.open(tmp_path / "results", tmp_path / "their-key")
    theirs.put("k", {}, "planted")
    assert mine.get("k") is None
    truncated = tmp_path / "results" / "t.pkl"
    truncated.write_bytes(b"short")
    assert mine.get("t") is None


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_key_is_made_once_and_readable_by_its_user_only(tmp_path):
    path = tmp_path / "deep" / "key"
    key = user_key(path)
    assert key is not None and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert user_key(path) == key


def test_the_key_lives_in_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if os.name != "nt":
        assert key_file() == tmp_path / "labelxl" / "results.key"


def test_leftovers_and_old_entries_are_removed_when_opened(tmp_path):
    folder = tmp_path / "results"
    store = FileResults.open(folder, tmp_path / "key")
    store.put("old", {}, 1)
    store.put("new", {}, 2)
    leftover = folder / ".~lx-abcd1234.pkl"  # as write_new_file names its temp
    leftover.write_bytes(b"partial")
    long_ago = time.time() - 10 * 86400
    for path in (folder / "old.pkl", leftover):
        os.utime(path, (long_ago, long_ago))
    FileResults.open(folder, tmp_path / "key")
    assert sorted(p.name for p in folder.iterdir()) == ["new.pkl"]


def test_a_value_that_cannot_be_pickled_is_just_not_kept(tmp_path):
    store = FileResults.open(tmp_path / "results", tmp_path / "key")
    store.put("k", {}, lambda: 1)
    assert store.get("k") is None
    folder = tmp_path / "results"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_entry_in_use_is_kept_past_the_pruning_age(tmp_path):
    folder = tmp_path / "results"
    store = FileResults.open(folder, tmp_path / "key")
    store.put("daily", {}, 1)
    long_ago = time.time() - 10 * 86400
    os.utime(folder / "daily.pkl", (long_ago, long_ago))
    assert store.get("daily")[1]() == 1  # used today
    FileResults.open(folder, tmp_path / "key")
    assert (folder / "daily.pkl").exists()
