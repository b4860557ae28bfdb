import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from labelxl.model.periods import last_complete_month, month_bounds, period_of


def test_iso_weeks_cross_year_boundaries():
    d = pd.Series(pd.to_datetime(["2025-12-29", "2027-01-01", "2026-03-15"]))
    assert period_of(d, "week").tolist() == ["2026-W01", "2026-W53", "2026-W11"]


def test_last_complete_month():
    full = pd.Series(pd.to_datetime(["2026-01-05", "2026-03-31"]))
    partial = pd.Series(pd.to_datetime(["2026-01-05", "2026-03-17"]))
    only = pd.Series(pd.to_datetime(["2026-03-02", "2026-03-17"]))
    assert last_complete_month(full) == "2026-03"
    assert last_complete_month(partial) == "2026-02"
    assert last_complete_month(only) == "2026-03"
    assert last_complete_month(pd.Series([], dtype="datetime64[ns]")) is None


def test_a_month_that_is_over_is_complete_even_without_data_on_its_last_day():
    friday = pd.Series(pd.to_datetime(["2026-09-01", "2026-10-30"]))  # Oct 31 is a Saturday
    assert last_complete_month(friday) == "2026-09"
    assert last_complete_month(friday, today=pd.Timestamp("2026-11-26").date()) == "2026-10"
    assert last_complete_month(friday, today=pd.Timestamp("2026-10-31").date()) == "2026-09"


@given(
    st.dates(
        min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()
    )
)
def test_month_bounds_contain_the_date(day):
    month = pd.Timestamp(day).strftime("%Y-%m")
    start, end = month_bounds(month)
    assert (
        start <= pd.Timestamp(day) <= end
        and start.day == 1
        and (end + pd.Timedelta(days=1)).day == 1
    )


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.dates(
                min_value=pd.Timestamp("1990-01-01").date(),
                max_value=pd.Timestamp("2090-12-31").date(),
            ),
        ),
        max_size=40,
    )
)
def test_period_labels_match_the_row_by_row_definition(days):
    s = pd.Series(pd.to_datetime(pd.Series(days, dtype=object)))
    weeks, months = period_of(s, "week"), period_of(s, "month")
    for day, w, m in zip(s, weeks, months, strict=True):
        if pd.isna(day):
            assert w is None and m is None
        else:
            y, wk, _ = day.isocalendar()
            assert w == f"{y}-W{wk:02d}" and m == day.strftime("%Y-%m")


def _ws(**frames: pd.DataFrame):
    import datetime as dt

    from labelxl.model.workspace import Workspace

    return Workspace.from_frames(frames, today=dt.date(2026, 4, 20))


def test_data_window_counts_working_days_up_to_the_last_date_with_data():
    import datetime as dt

    from labelxl.model.periods import data_window

    prod = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-03-02", "2026-03-10"]),
            "person_id": "A",
            "project_id": "P",
            "items": 1,
            "handle_minutes": 1,
        }
    )
    audits = pd.DataFrame({"audit_date": pd.to_datetime(["2026-03-04"]), "item_id": ["I"]})
    w = data_window(_ws(Production=prod, Audits=audits), "2026-03")
    # 1–10 March 2026: Mon 2 … Tue 10 = 7 weekdays of March's 22.
    assert w == {
        "data_from": dt.date(2026, 3, 2),
        "data_through": dt.date(2026, 3, 10),
        "working_days": 22,
        "working_days_with_data": 7,
        "partial": True,
    }
    empty = data_window(_ws(), "2026-02")
    assert (empty["data_through"], empty["working_days"], empty["partial"]) == (None, 20, True)
    full = data_window(_ws(Production=prod.assign(date=pd.Timestamp("2026-03-31"))), "2026-03")
    assert full["partial"] is False and full["working_days_with_data"] == 22


def test_resolve_month_and_its_fallbacks():
    import pytest

    from labelxl.errors import MetricInputError
    from labelxl.model.periods import previous_month, resolve_month

    assert resolve_month(_ws(), None) == "2026-04"  # no dated rows: the month of today
    ts = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-02-03", "2026-03-16"]),
            "person_id": "A",
            "activity": "Labeling",
            "hours": 1.0,
        }
    )
    assert resolve_month(_ws(Timesheet=ts), None) == "2026-03"  # March is over by 20 April
    assert resolve_month(_ws(), " 2026-01 ") == "2026-01"
    for bad in ("2026-13", "March", "2026-3", 202603):
        with pytest.raises(MetricInputError, match="month must look like"):
            resolve_month(_ws(), bad)
    assert previous_month("2026-01") == "2025-12"
