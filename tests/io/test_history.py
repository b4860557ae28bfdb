import pandas as pd

from labelxl.io import history


def test_upsert_replaces_recomputed_periods_and_keeps_others(tmp_path):
    history.save(
        tmp_path, "trend", pd.DataFrame({"period": ["2026-01", "2026-02"], "items": [10, 20]})
    )
    history.save(
        tmp_path, "trend", pd.DataFrame({"period": ["2026-02", "2026-03"], "items": [25, 30]})
    )
    got = history.load(tmp_path, "trend")
    assert got[["period", "items"]].values.tolist() == [
        ["2026-01", 10],
        ["2026-02", 25],
        ["2026-03", 30],
    ]


def test_missing_or_damaged_history_is_empty(tmp_path):
    assert history.load(tmp_path, "nope").empty
    folder = history.history_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "bad.parquet").write_bytes(b"not parquet")
    assert history.load(tmp_path, "bad").empty
    history.save(tmp_path, "bad", pd.DataFrame({"period": ["2026-01"], "x": [1]}))
    assert history.load(tmp_path, "bad")["x"].tolist() == [1]


def test_no_temp_files_left(tmp_path):
    history.save(tmp_path, "t", pd.DataFrame({"period": ["2026-01"], "x": [1]}))
    assert [p.name for p in history.history_dir(tmp_path).iterdir()] == ["t.parquet"]
