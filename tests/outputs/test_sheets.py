"""LX sheet layouts: formats from column names, the summary a manager reads."""

import pandas as pd

from labelxl.outputs.sheets import guess_format, sheet


def test_formats_follow_column_meaning():
    frame = pd.DataFrame(
        {
            "accuracy": [0.95],
            "ci_low": [0.9],
            "productive_hours": [12.5],
            "items": [10],
            "aht_sec": [37.5],
            "forecast_finish": pd.to_datetime(["2026-03-01"]),
            "flag": ["below"],
        }
    )
    got = {c: guess_format(c, frame[c]) for c in frame}
    assert got == {
        "accuracy": "pct",
        "ci_low": "pct",
        "productive_hours": "hours",
        "items": "int",
        "aht_sec": "number",
        "forecast_finish": "date",
        "flag": None,
    }


def test_explicit_widths_reach_the_writer():
    out = sheet("LX Test", pd.DataFrame({"a": [1]}), widths={"a": 30})
    assert out.widths == {"a": 30}
