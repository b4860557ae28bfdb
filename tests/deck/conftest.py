"""A realistic Metrics bundle built by hand with the documented columns (no workbook needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelxl.metrics import Metrics
from labelxl.metrics.capacity import CapacityPlan
from labelxl.model.findings import Report
from labelxl.model.settings import Settings

FIRST = (
    "Maria",
    "Wei",
    "Siti",
    "John",
    "Ana",
    "Budi",
    "Chloe",
    "Rafael",
    "Dewi",
    "Lucas",
    "Mei",
    "Priya",
    "Tomás",
    "Yuki",
    "Omar",
)
LAST = (
    "Silva",
    "Zhang",
    "Rahma",
    "Okafor",
    "Souza",
    "Santoso",
    "Martin",
    "Costa",
    "Lestari",
    "Pereira",
    "Chen",
    "Nair",
    "Herrera",
    "Sato",
    "Haddad",
)
POLICIES = ("Hate speech", "Violence", "Nudity", "Spam", "Minor safety", "Misinformation")


def make_metrics(
    people: int = 60, months: int = 6, seed: int = 3, *, month: str = "2026-03", empty: bool = False
) -> Metrics:
    """A bundle like labelxl.metrics.compute returns; ``empty`` gives one with no data."""
    rng = np.random.default_rng(seed)
    settings = Settings(pseudonym_secret="deck-test-secret")
    if empty:
        return Metrics(
            month=month,
            previous_month=None,
            settings=settings,
            report=Report(),
            kpis=pd.DataFrame(),
            trend=pd.DataFrame(),
            quality_weekly=pd.DataFrame(),
            labelers=pd.DataFrame(),
            projects=pd.DataFrame(),
        )
    ids = [f"P{i:04d}" for i in range(1, people + 1)]
    names = {
        pid: f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"
        f"{'' if i < len(FIRST) * len(LAST) else i}"
        for i, pid in enumerate(ids)
    }
    periods = [str(p) for p in pd.period_range(end=month, periods=months, freq="M")]
    prev = periods[-2] if months > 1 else None

    items = rng.integers(180_000, 260_000, months).astype(float)
    hours = items / rng.uniform(35, 45, months)
    audited = (items * 0.02).round()
    acc = rng.uniform(0.945, 0.97, months)
    correct = (audited * acc).round()
    z = 1.959964
    p = correct / audited
    centre = (p + z**2 / (2 * audited)) / (1 + z**2 / audited)
    half = z / (1 + z**2 / audited) * np.sqrt(p * (1 - p) / audited + z**2 / (4 * audited**2))
    trend = pd.DataFrame(
        {
            "period": periods,
            "items": items,
            "handle_hours": hours * 0.9,
            "productive_hours": hours,
            "throughput": items / hours,
            "aht_sec": hours * 0.9 * 3600 / items,
            "audited": audited,
            "correct": correct,
            "accuracy": p,
            "ci_low": centre - half,
            "ci_high": centre + half,
            "sla": rng.uniform(0.9, 0.99, months),
            "utilization": rng.uniform(0.7, 0.85, months),
            "shrinkage": rng.uniform(0.25, 0.35, months),
            "headcount": float(people),
        }
    )

    weeks = pd.date_range(
        end=pd.Period(month, "M").end_time.normalize(), periods=months * 4 + 1, freq="W-MON"
    )
    wk = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in weeks]
    n = rng.integers(600, 1400, len(wk)).astype(float)
    err = rng.binomial(n.astype(int), 0.04).astype(float)
    err[-3] = n[-3] * 0.09  # one out-of-control week
    pw = err / n
    pbar = err.sum() / n.sum()
    sig = np.sqrt(pbar * (1 - pbar) / n)
    wa = 1 - pw
    wc = (wa + z**2 / (2 * n)) / (1 + z**2 / n)
    wh = z / (1 + z**2 / n) * np.sqrt(wa * (1 - wa) / n + z**2 / (4 * n**2))
    quality_weekly = pd.DataFrame(
        {
            "period": wk,
            "audited": n,
            "errors": err,
            "accuracy": wa,
            "ci_low": wc - wh,
            "ci_high": wc + wh,
            "p": pw,
            "center": pbar,
            "lcl": np.clip(pbar - 3 * sig, 0, 1),
            "ucl": pbar + 3 * sig,
        }
    )
    quality_weekly["out_of_control"] = (pw > quality_weekly["ucl"]) | (pw < quality_weekly["lcl"])

    la = rng.integers(5, 120, people).astype(float)
    lacc = np.clip(rng.normal(0.955, 0.025, people), 0.8, 1.0)
    lc = (la * lacc).round()
    lp = lc / la
    lcen = (lp + z**2 / (2 * la)) / (1 + z**2 / la)
    lhalf = z / (1 + z**2 / la) * np.sqrt(lp * (1 - lp) / la + z**2 / (4 * la**2))
    labelers = pd.DataFrame(
        {
            "person_id": ids,
            "name": [names[i] for i in ids],
            "period": month,
            "items": rng.integers(2000, 6000, people).astype(float),
            "productive_hours": rng.uniform(100, 160, people),
        }
    )
    labelers["throughput"] = labelers["items"] / labelers["productive_hours"]
    labelers["aht_sec"] = 3600 / labelers["throughput"]
    labelers = labelers.assign(
        audited=la,
        correct=lc,
        accuracy=lp,
        ci_low=lcen - lhalf,
        ci_high=lcen + lhalf,
        sufficient=la >= 30,
        target=0.95,
    )
    labelers["flag"] = np.where(
        ~labelers["sufficient"],
        "insufficient",
        np.where(
            labelers["ci_high"] < 0.95,
            "below",
            np.where(labelers["ci_low"] > 0.95, "above", "within"),
        ),
    )

    n_proj = 16
    rag = rng.choice(["Red", "Amber", "Green"], n_proj, p=[0.2, 0.3, 0.5])
    reasons = []
    for i, r in enumerate(rag):
        if r == "Red":
            reasons.append(
                "volume 72% of plan (Red under 80%); forecast finish after end date "
                f"{month}-28; owner {names[ids[i]]} asked for more reviewers"
            )
        elif r == "Amber":
            reasons.append("SLA 93.1% under the 95% target")
        else:
            reasons.append("")
    projects = pd.DataFrame(
        {
            "project_id": [f"PRJ{i:02d}" for i in range(n_proj)],
            "project_name": [
                f"{POLICIES[i % 6]} {['US', 'BR', 'ID'][i % 3]} queue {i}" for i in range(n_proj)
            ],
            "period": month,
            "items": rng.integers(5000, 40000, n_proj).astype(float),
            "target_volume": 30000.0,
            "volume_vs_plan": rng.uniform(0.6, 1.2, n_proj),
            "sla": rng.uniform(0.85, 1.0, n_proj),
            "accuracy": rng.uniform(0.92, 0.99, n_proj),
            "ci_low": np.nan,
            "ci_high": np.nan,
            "forecast_finish": pd.Timestamp(f"{month}-01")
            + pd.to_timedelta(rng.integers(20, 200, n_proj), unit="D"),
            "forecast_low": pd.NaT,
            "forecast_high": pd.NaT,
            "end_date": pd.NaT,
            "rag": rag,
            "reasons": reasons,
        }
    )

    pol_a = rng.integers(200, 2000, 6).astype(float)
    pol_acc = rng.uniform(0.91, 0.985, 6)
    pol_c = (pol_a * pol_acc).round()
    pp = pol_c / pol_a
    pcen = (pp + z**2 / (2 * pol_a)) / (1 + z**2 / pol_a)
    phalf = z / (1 + z**2 / pol_a) * np.sqrt(pp * (1 - pp) / pol_a + z**2 / (4 * pol_a**2))
    policy_area = pd.DataFrame(
        {
            "policy_area": POLICIES,
            "period": month,
            "audited": pol_a,
            "correct": pol_c,
            "errors": pol_a - pol_c,
            "accuracy": pp,
            "ci_low": pcen - phalf,
            "ci_high": pcen + phalf,
            "sufficient": True,
            "weighted_score": pp,
        }
    )
    errs = np.array([180, 95, 40, 12])
    pareto = pd.DataFrame(
        {
            "error_type": ["FalseNegative", "FalsePositive", "WrongPolicy", "Technical"],
            "errors": errs,
            "critical": errs // 5,
            "major": errs // 3,
            "minor": errs - errs // 5 - errs // 3,
            "share": errs / errs.sum(),
            "cumulative_share": errs.cumsum() / errs.sum(),
        }
    )

    by_ml = pd.DataFrame(
        {
            "market": ["BR", "ID", "US"],
            "language": ["pt", "id", "en"],
            "required_fte": [22.4, 15.1, 30.2],
            "available_fte": [20.0, 16.0, 27.5],
            "people": [21, 17, 29],
            "holidays": [1, 2, 0],
            "typical_fte": [1.0, 1.0, 1.0],
        }
    )
    by_ml["gap_fte"] = by_ml["required_fte"] - by_ml["available_fte"]
    by_ml["hires_needed"] = np.ceil(by_ml["gap_fte"].clip(lower=0))
    by_ml["applicants_needed"] = by_ml["hires_needed"] * 8
    next_month = str(pd.Period(month, "M") + 1)
    plan = CapacityPlan(
        month=next_month,
        base_month=month,
        working_days=22,
        hours_per_fte=176,
        applicants_per_hire=8.0,
        by_project=pd.DataFrame(),
        by_market_language=by_ml,
    )
    funnel = pd.DataFrame(
        {
            "stage": ["Applied", "Screen", "Interview", "Offer", "Hired"],
            "reached": [240, 120, 60, 18, 14],
        }
    )
    funnel["conversion_from_previous"] = funnel["reached"] / funnel["reached"].shift(1)

    graphic = ids[: people // 3]
    wh = rng.uniform(4, 26, len(graphic))
    exposure = pd.DataFrame(
        {
            "person_id": graphic,
            "period": month,
            "graphic_hours": wh * 4,
            "graphic_days": 18,
            "max_daily_graphic_hours": np.clip(wh / 4, 1, 7),
            "days_over_daily_cap": (wh / 4 > 5).astype(int),
            "max_weekly_graphic_hours": wh,
            "weeks_over_weekly_cap": (wh > 20).astype(int),
            "longest_streak": 5,
            "longest_streak_full": rng.integers(3, 8, len(graphic)),
            "wellness_hours": rng.uniform(0, 6, len(graphic)),
            "wellness_expected_hours": 4.4,
        }
    )
    exposure["wellness_below_policy"] = exposure["wellness_hours"] < 4.4
    exposure["over_cap"] = (
        (exposure["days_over_daily_cap"] > 0)
        | (exposure["weeks_over_weekly_cap"] > 0)
        | (exposure["longest_streak_full"] > 5)
    )
    exposure["caps_exceeded"] = np.where(exposure["over_cap"], "weekly", "")
    over = exposure[exposure["over_cap"]].copy()
    over["name"] = over["person_id"].map(names)
    over_caps = over[
        [
            "person_id",
            "name",
            "period",
            "graphic_hours",
            "max_daily_graphic_hours",
            "max_weekly_graphic_hours",
            "longest_streak_full",
            "caps_exceeded",
        ]
    ]

    def kpi(key, value, unit, target=np.nan, previous=np.nan, lo=np.nan, hi=np.nan, better=True):
        if np.isfinite(target):
            ok = value >= target if better else value <= target
            status = "good" if ok else "bad"
        else:
            status = "none"
        return {
            "kpi": key,
            "value": value,
            "ci_low": lo,
            "ci_high": hi,
            "target": target,
            "previous": previous,
            "change": value - previous,
            "status": status,
            "unit": unit,
            "higher_is_better": better,
        }

    last, before = trend.iloc[-1], trend.iloc[-2] if months > 1 else trend.iloc[-1]
    kpis = pd.DataFrame(
        [
            kpi(
                "accuracy",
                last["accuracy"],
                "pct",
                0.95,
                before["accuracy"],
                last["ci_low"],
                last["ci_high"],
            ),
            kpi("items", last["items"], "count", 240_000.0, before["items"]),
            kpi("throughput", last["throughput"], "rate", 40.0, before["throughput"]),
            kpi("aht_sec", last["aht_sec"], "seconds", 90.0, before["aht_sec"], better=False),
            kpi("sla", last["sla"], "pct", 0.95, before["sla"]),
            kpi("utilization", last["utilization"], "pct", 0.8, before["utilization"]),
            kpi("shrinkage", last["shrinkage"], "pct", 0.3, before["shrinkage"], better=False),
            kpi("headcount", float(people), "count", previous=float(people - 2)),
            kpi("over_caps", float(len(over_caps)), "count", 0.0, 1.0, better=False),
        ]
    )
    kpis.loc[kpis["kpi"] == "utilization", "status"] = "watch"
    return Metrics(
        month=month,
        previous_month=prev,
        settings=settings,
        report=Report(),
        kpis=kpis,
        trend=trend,
        quality_weekly=quality_weekly,
        labelers=labelers,
        projects=projects,
        quality_by={"policy_area": policy_area},
        pareto=pareto,
        capacity=plan,
        funnel=funnel,
        exposure=exposure,
        over_caps=over_caps.reset_index(drop=True),
        names=names,
        notes=["Shrinkage measured from the Timesheet."],
    )


@pytest.fixture(scope="session")
def metrics() -> Metrics:
    return make_metrics()
