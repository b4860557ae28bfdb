"""Hiring pipeline metrics: funnel conversion, time to hire, offer acceptance, interviewer load."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError
from labelxl.metrics.capacity import CapacityPlan
from labelxl.metrics.people import primary_language
from labelxl.model.dimensions import UNASSIGNED
from labelxl.model.periods import parse_month
from labelxl.model.workspace import Workspace

STAGES = ("Applied", "Screen", "Interview", "Offer", "Hired")
_RANK = {stage: i for i, stage in enumerate(STAGES)}
IN_PROGRESS = ("Applied", "Screen", "Interview", "Offer")


def reached_stage(h: pd.DataFrame) -> pd.Series:
    """Furthest funnel stage each candidate reached, as an index into ``STAGES``.

    Open and Hired candidates reached their ``stage``. A Rejected or Withdrawn candidate's
    stage is read from their dates: a Withdrawn candidate with an interview_date and a
    decision_date declined an offer (Offer); one with an interview_date or a score was
    interviewed (Interview); otherwise they stopped at Applied.
    """
    rank = h["stage"].map(_RANK)
    interviewed = h["interview_date"].notna() | h["score"].notna()
    declined_offer = (h["stage"] == "Withdrawn") & interviewed & h["decision_date"].notna()
    ended = np.where(
        declined_offer, _RANK["Offer"], np.where(interviewed, _RANK["Interview"], _RANK["Applied"])
    )
    closed = h["stage"].isin(["Rejected", "Withdrawn"])
    return rank.where(~closed, pd.Series(ended, index=h.index)).fillna(0).astype(int)


def hiring_funnel(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Candidates reaching each stage (Applied → Screen → Interview → Offer → Hired).

    With ``month``, only candidates who applied in that month (a cohort; without: all).
    A candidate at a later stage counts as having reached every earlier one. Columns: ``stage``,
    ``reached``, ``conversion_from_previous``, ``conversion_from_applied`` (blank when the
    denominator is 0), ``rejected`` and ``withdrawn`` (candidates whose process ended
    there), ``open`` (candidates currently at the stage).
    """
    h = _candidates(ws, month)
    reached = reached_stage(h)
    rank = np.arange(len(STAGES))
    counts = (reached.to_numpy()[:, None] >= rank[None, :]).sum(axis=0)
    out = pd.DataFrame({"stage": list(STAGES), "reached": counts.astype(int)})
    previous = out["reached"].shift(1)
    previous.iloc[0] = out["reached"].iloc[0]
    out["conversion_from_previous"] = out["reached"] / previous.where(previous > 0)
    applied = out["reached"].iloc[0]
    out["conversion_from_applied"] = out["reached"] / applied if applied else math.nan
    for name, stage in (("rejected", "Rejected"), ("withdrawn", "Withdrawn")):
        ended = reached[h["stage"] == stage].value_counts()
        out[name] = [int(ended.get(i, 0)) for i in rank]
    current = h["stage"].value_counts()
    out["open"] = [int(current.get(s, 0)) if s in IN_PROGRESS else 0 for s in STAGES]
    return out


def time_to_hire(ws: Workspace, month: str | None = None, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Days from applied_date to start_date (or decision_date when start is blank) of hires.

    With ``month``, hires whose start (or decision) date is in that month (else all); ``by`` names
    ``role``, ``market`` and ``language``. Columns: the ``by`` columns, ``hires``,
    ``median_days``, ``mean_days``, ``max_days`` (blank for a group without dated hires).
    """
    for col in by:
        if col not in ("role", "market", "language"):
            raise MetricInputError(f"time_to_hire groups by role, market or language (got {col!r})")
    h = ws.frame("Hiring")
    h = h.loc[h["stage"] == "Hired"].copy()
    h["hire_date"] = h["start_date"].fillna(h["decision_date"])
    h = h.dropna(subset=["hire_date", "applied_date"])
    if month is not None:
        h = h.loc[h["hire_date"].dt.strftime("%Y-%m") == parse_month(month)]
    h["days"] = (h["hire_date"] - h["applied_date"]).dt.days.astype("float64")
    h = _fill(h, list(by))
    aggs = {
        "hires": ("days", "size"),
        "median_days": ("days", "median"),
        "mean_days": ("days", "mean"),
        "max_days": ("days", "max"),
    }
    if by:
        return h.groupby(list(by)).agg(**aggs).reset_index()  # type: ignore[call-overload]
    days = h["days"]
    return pd.DataFrame(
        {
            "hires": [len(days)],
            "median_days": [days.median() if len(days) else math.nan],
            "mean_days": [days.mean() if len(days) else math.nan],
            "max_days": [days.max() if len(days) else math.nan],
        }
    )


def offer_acceptance(ws: Workspace, month: str | None = None) -> pd.DataFrame:
    """Offers made and accepted (one row): candidates who applied in ``month``, else all.

    ``offers`` = candidates who reached Offer; ``accepted`` = Hired; ``declined`` =
    Withdrawn after an offer; ``pending`` = still at Offer. ``acceptance_rate`` = accepted /
    offers (pending offers count, as the brief asks); ``decided_acceptance_rate`` =
    accepted / (accepted + declined). Rates are blank when their denominator is 0.
    """
    h = _candidates(ws, month)
    reached = reached_stage(h)
    offers = int((reached >= _RANK["Offer"]).sum())
    accepted = int((h["stage"] == "Hired").sum())
    declined = int(((h["stage"] == "Withdrawn") & (reached == _RANK["Offer"])).sum())
    pending = int((h["stage"] == "Offer").sum())
    decided = accepted + declined
    return pd.DataFrame(
        {
            "offers": [offers],
            "accepted": [accepted],
            "declined": [declined],
            "pending": [pending],
            "acceptance_rate": [accepted / offers if offers else math.nan],
            "decided_acceptance_rate": [accepted / decided if decided else math.nan],
        }
    )


def interviewer_load(ws: Workspace) -> pd.DataFrame:
    """Interviews per interviewer and per week.

    ``weeks`` is the number of ISO weeks from the first to the last interview_date in the
    sheet (the same for everyone, so a rarely used interviewer shows a low rate).
    Columns: ``interviewer``, ``interviews``, ``interviews_per_week``, ``busiest_week``
    (ISO week label), ``busiest_week_interviews``. Sorted by interviews, most first.
    """
    h = ws.frame("Hiring").dropna(subset=["interviewer", "interview_date"])
    columns = [
        "interviewer",
        "interviews",
        "interviews_per_week",
        "busiest_week",
        "busiest_week_interviews",
    ]
    if h.empty:
        return pd.DataFrame({c: [] for c in columns})
    d = h["interview_date"]
    first = d.min() - pd.Timedelta(days=d.min().weekday())
    last = d.max() - pd.Timedelta(days=d.max().weekday())
    weeks = (last - first).days // 7 + 1
    iso = d.dt.isocalendar()
    h = h.assign(week=iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format))
    per_week = h.groupby(["interviewer", "week"]).size().rename("n").reset_index()
    busiest = (
        per_week.sort_values(["n", "week"], ascending=[False, True])
        .drop_duplicates("interviewer")
        .set_index("interviewer")
    )
    out = h.groupby("interviewer").size().rename("interviews").reset_index()
    out["interviews_per_week"] = out["interviews"] / weeks
    out["busiest_week"] = out["interviewer"].map(busiest["week"])
    out["busiest_week_interviews"] = out["interviewer"].map(busiest["n"]).astype(int)
    return out.sort_values(["interviews", "interviewer"], ascending=[False, True])[
        columns
    ].reset_index(drop=True)


def open_roles_vs_gap(ws: Workspace, plan: CapacityPlan) -> pd.DataFrame:
    """The plan's hires needed per market/language against the Labeler pipeline.

    ``in_pipeline`` = open Labeler candidates (Applied…Offer); ``expected_hires`` = Σ over
    them of P(hired | reached their stage), measured on closed candidates (Hired,
    Rejected, Withdrawn) of the whole sheet (0 where a stage has no closed history);
    ``shortfall`` = max(0, hires_needed − expected_hires); ``applicants_to_source`` =
    ceil(shortfall × plan.applicants_per_hire) (blank when that is unknown).
    """
    h = ws.frame("Hiring").dropna(subset=["candidate_id"]).copy()
    h = _fill(h, ["market", "language"])
    reached = reached_stage(h)
    closed = h["stage"].isin(["Hired", "Rejected", "Withdrawn"])
    hired = h["stage"] == "Hired"
    p_hire = {}
    for stage in IN_PROGRESS:
        base = closed & (reached >= _RANK[stage])
        p_hire[stage] = float((base & hired).sum() / base.sum()) if base.sum() else 0.0
    open_ = h.loc[(h["role"] == "Labeler") & h["stage"].isin(IN_PROGRESS)].copy()
    open_["p_hire"] = open_["stage"].map(p_hire).astype("float64")
    open_["is_offer"] = (open_["stage"] == "Offer").astype(int)
    pipe = open_.groupby(["market", "language"]).agg(
        in_pipeline=("candidate_id", "size"),
        offers_out=("is_offer", "sum"),
        expected_hires=("p_hire", "sum"),
    )
    need = plan.by_market_language.set_index(["market", "language"])[["hires_needed"]]
    out = need.join(pipe, how="outer").reset_index()
    for col in ("in_pipeline", "offers_out"):
        out[col] = out[col].fillna(0).astype(int)
    out["expected_hires"] = out["expected_hires"].fillna(0.0)
    out["shortfall"] = (out["hires_needed"] - out["expected_hires"]).clip(lower=0)
    if plan.applicants_per_hire is None:
        out["applicants_to_source"] = math.nan
    else:
        out["applicants_to_source"] = np.ceil(
            (out["shortfall"] * plan.applicants_per_hire).round(9)
        )
    return out[
        [
            "market",
            "language",
            "hires_needed",
            "in_pipeline",
            "offers_out",
            "expected_hires",
            "shortfall",
            "applicants_to_source",
        ]
    ]


def _candidates(ws: Workspace, month: str | None) -> pd.DataFrame:
    h = ws.frame("Hiring").dropna(subset=["candidate_id", "stage"])
    if month is not None:
        h = h.loc[h["applied_date"].dt.strftime("%Y-%m") == parse_month(month)]
    return h


def _fill(h: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Blank market → Unassigned; language → first listed language, as the capacity plan keys."""
    for col in cols:
        if col == "language":
            h[col] = primary_language(h[col])
        else:
            h[col] = h[col].where(h[col].notna(), UNASSIGNED).astype(object)
    return h
