"""Calibration session report: statistics per session, per rater, disputed items."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from labelxl.errors import MetricInputError
from labelxl.metrics.calibration import (
    DISPUTED_COLUMNS,
    RATER_COLUMNS,
    SESSION_COLUMNS,
    calibration_report,
)
from labelxl.model.workspace import Workspace
from labelxl.stats.agreement import cohen_kappa
from labelxl.stats.dawid_skene import dawid_skene

LABELS = ["Benign", "Borderline", "Violating"]


def _roster(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": ids,
            "name": [f"Name {i}" for i in ids],
            "role": ["Labeler"] * len(ids),
            "start_date": ["2025-01-06"] * len(ids),
        }
    )


def _ws(rows: list[tuple], roster: list[str] | None = None) -> Workspace:
    cal = pd.DataFrame(rows, columns=["session_id", "date", "item_id", "rater_id", "label"])
    frames = {"Calibration": cal}
    if roster is not None:
        frames["Roster"] = _roster(roster)
    return Workspace.from_frames(frames)


def _random_session(seed: int = 0, items: int = 30, raters: int = 5) -> list[tuple]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(items):
        truth = LABELS[int(rng.integers(0, 3))]
        for r in range(raters):
            if rng.random() < 0.15:
                continue  # the rater skipped this item
            label = truth if rng.random() < 0.75 else LABELS[int(rng.integers(0, 3))]
            rows.append(("CAL-1", "2026-03-02", f"I{i:02d}", f"L{r}", label))
    return rows


def test_session_statistics_match_independent_implementations() -> None:
    rows = _random_session()
    report = calibration_report(_ws(rows))
    s = report.sessions.iloc[0]
    frame = pd.DataFrame(rows, columns=["session_id", "date", "item_id", "rater_id", "label"])
    wide = frame.pivot(index="rater_id", columns="item_id", values="label")
    codes = wide.apply(lambda col: col.map({lab: k for k, lab in enumerate(LABELS)}))
    assert s["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(
            reliability_data=codes.to_numpy(dtype=float), level_of_measurement="nominal"
        )
    )
    counts = frame.groupby(["item_id", "label"]).size().unstack(fill_value=0)
    per_item = counts.sum(axis=1)
    modal = per_item.mode().max()
    assert s["items_used_for_fleiss"] == int((per_item == modal).sum())
    assert s["fleiss_kappa"] == pytest.approx(sm_fleiss_kappa(counts[per_item == modal]))
    # Percent agreement and AC1 written out item by item.
    pairs = [
        (c * (c - 1)).sum() / (n * (n - 1))
        for c, n in zip(counts.to_numpy(), per_item, strict=True)
        if n >= 2
    ]
    p_a = float(np.mean(pairs))
    pi = (counts.to_numpy() / per_item.to_numpy()[:, None]).mean(axis=0)
    p_e = float((pi * (1 - pi)).sum() / (len(LABELS) - 1))
    assert s["percent_agreement"] == pytest.approx(p_a)
    assert s["gwet_ac1"] == pytest.approx((p_a - p_e) / (1 - p_e))
    assert (s["items"], s["raters"]) == (30, 5)
    assert s["date"] == pd.Timestamp("2026-03-02")
    assert list(report.sessions.columns) == list(SESSION_COLUMNS)


def test_rater_consensus_columns_come_from_dawid_skene() -> None:
    rows = _random_session(seed=3)
    report = calibration_report(_ws(rows))
    frame = pd.DataFrame(rows, columns=["session_id", "date", "item_id", "rater_id", "label"])
    ds = dawid_skene(frame, classes=LABELS)
    shared = frame.groupby("item_id")["rater_id"].transform("size") >= 2
    for rec in report.raters.itertuples():
        mine = frame[(frame["rater_id"] == rec.rater_id) & shared]
        consensus = ds.labels.loc[mine["item_id"]].to_numpy()
        assert rec.ds_accuracy == pytest.approx(ds.rater_accuracy.loc[str(rec.rater_id)])
        assert rec.agree_consensus == pytest.approx((mine["label"].to_numpy() == consensus).mean())
        assert rec.kappa_vs_consensus == pytest.approx(
            cohen_kappa(mine["label"], consensus, labels=LABELS)
        )
        assert rec.items == int((frame["rater_id"] == rec.rater_id).sum())
    assert list(report.raters.columns) == list(RATER_COLUMNS)


def test_agreement_with_majority_leaves_out_ties_and_single_ratings() -> None:
    rows = [
        ("S", None, "i1", "A", "x"),
        ("S", None, "i1", "B", "x"),
        ("S", None, "i1", "C", "x"),
        ("S", None, "i2", "A", "x"),
        ("S", None, "i2", "B", "y"),
        ("S", None, "i2", "C", "y"),
        ("S", None, "i3", "A", "x"),
        ("S", None, "i3", "B", "y"),  # tie: left out
        ("S", None, "i4", "A", "y"),  # one rating: left out
    ]
    raters = calibration_report(_ws(rows)).raters.set_index("rater_id")
    assert raters.loc["A", ["items", "items_vs_majority", "agree_majority"]].tolist() == [4, 2, 0.5]
    assert raters.loc["B", ["items", "items_vs_majority", "agree_majority"]].tolist() == [3, 2, 1.0]
    assert raters.loc["C", ["items", "items_vs_majority", "agree_majority"]].tolist() == [2, 2, 1.0]


def test_disputed_items_most_split_first_with_distribution() -> None:
    rows = [
        ("S", None, "i1", "A", "x"),
        ("S", None, "i1", "B", "x"),
        ("S", None, "i1", "C", "x"),
        ("S", None, "i2", "A", "x"),
        ("S", None, "i2", "B", "y"),
        ("S", None, "i2", "C", "y"),
        ("S", None, "i3", "A", "x"),
        ("S", None, "i3", "B", "y"),
        ("S", None, "i3", "C", "z"),
    ]
    disputed = calibration_report(_ws(rows)).disputed_items
    assert list(disputed.columns) == list(DISPUTED_COLUMNS)
    got = list(
        zip(
            disputed["item_id"],
            disputed["modal_label"],
            disputed["modal_share"].round(3),
            disputed["labels"],
            strict=True,
        )
    )
    assert got == [("i3", "x / y / z", 0.333, "x: 1, y: 1, z: 1"), ("i2", "y", 0.667, "y: 2, x: 1")]
    assert len(calibration_report(_ws(rows), top=1).disputed_items) == 1


def test_fleiss_uses_items_with_the_modal_number_of_raters() -> None:
    rows = [
        ("S", None, f"i{i}", r, "x" if (i + ord(r)) % 3 else "y") for i in range(6) for r in "ABC"
    ]
    rows += [("S", None, "i6", "A", "x"), ("S", None, "i6", "B", "y")]  # rated by only two
    s = calibration_report(_ws(rows)).sessions.iloc[0]
    assert (s["items"], s["items_used_for_fleiss"]) == (7, 6)


def test_single_rater_session_is_reported_not_raised() -> None:
    rows = [("S", None, f"i{i}", "A", "x" if i % 2 else "y") for i in range(4)]
    report = calibration_report(_ws(rows))
    s = report.sessions.iloc[0]
    assert np.isnan(s["fleiss_kappa"]) and np.isnan(s["krippendorff_alpha"])
    assert np.isnan(s["gwet_ac1"]) and s["items_used_for_fleiss"] == 0
    assert "Dawid–Skene" in s["note"] and s["band"] == "n/a"
    r = report.raters.iloc[0]
    assert r["items"] == 4 and np.isnan(r["agree_majority"]) and np.isnan(r["ds_accuracy"])


def test_session_filter_names_and_duplicates() -> None:
    rows = _random_session(seed=1, items=6, raters=3)
    rows += [
        ("CAL-2", "2026-03-09", "J1", "L0", "Benign"),
        ("CAL-2", "2026-03-09", "J1", "L1", "Violating"),
    ]
    rows.append(("CAL-2", "2026-03-09", "J1", "L0", "Violating"))  # duplicate: first counts
    ws = _ws(rows, roster=["L0", "L1", "L2"])
    report = calibration_report(ws, "CAL-2")
    assert report.sessions["session_id"].tolist() == ["CAL-2"]
    assert report.disputed_items["labels"].tolist() == ["Benign: 1, Violating: 1"]
    assert report.raters.set_index("rater_id")["rater_name"].to_dict() == {
        "L0": "Name L0",
        "L1": "Name L1",
    }
    assert calibration_report(ws).sessions["session_id"].tolist() == ["CAL-1", "CAL-2"]
    with pytest.raises(MetricInputError, match="CAL-9"):
        calibration_report(ws, "CAL-9")


def test_empty_calibration_gives_empty_frames() -> None:
    report = calibration_report(Workspace.from_frames({}))
    assert report.sessions.empty and list(report.sessions.columns) == list(SESSION_COLUMNS)
    assert report.raters.empty and report.disputed_items.empty and report.consensus.empty


def test_rows_missing_keys_are_skipped() -> None:
    rows = [
        ("S", None, "i1", "A", "x"),
        ("S", None, "i1", "B", "x"),
        ("S", None, "i1", "C", None),
        (None, None, "i1", "D", "y"),
    ]
    s = calibration_report(_ws(rows)).sessions.iloc[0]
    assert (s["raters"], s["percent_agreement"]) == (2, 1.0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from("ABCD"), st.sampled_from(LABELS)),
        min_size=1,
        max_size=40,
    )
)
def test_report_values_stay_in_range(cells: list[tuple[int, str, str]]) -> None:
    rows = [("S", None, f"i{i}", r, lab) for i, r, lab in cells]
    report = calibration_report(_ws(rows))
    s = report.sessions.iloc[0]
    for col in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
        assert np.isnan(s[col]) or -1.0 - 1e-9 <= s[col] <= 1.0 + 1e-9
    assert np.isnan(s["percent_agreement"]) or 0.0 <= s["percent_agreement"] <= 1.0
    assert s["items_used_for_fleiss"] <= s["items"]
    r = report.raters
    for col in ("agree_majority", "agree_consensus", "ds_accuracy"):
        values = r[col].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all()
    assert (r["items_vs_majority"] <= r["items"]).all()
    shares = report.disputed_items["modal_share"]
    assert ((shares > 0) & (shares < 1)).all()
