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
