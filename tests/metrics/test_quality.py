import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import precision_recall_fscore_support
from statsmodels.stats.proportion import confint_proportions_2indep

from labelxl.errors import MetricInputError
from labelxl.metrics import quality as q
from labelxl.model.periods import resolve_month
from labelxl.model.settings import Settings
from labelxl.model.workspace import Workspace
from labelxl.stats.intervals import wilson_interval
from labelxl.stats.sampling import allocate, cochran_sample_size, z14_plan
from labelxl.stats.spc import p_chart
from labelxl.stats.stratified import stratified_accuracy

TODAY = dt.date(2026, 6, 1)
ROSTER = pd.DataFrame(
    {
        "person_id": ["L1", "L2", "Q1", "Q2"],
        "name": ["Ana", "Ben", "Cy", "Di"],
        "role": ["Labeler", "Labeler", "QA", "QA"],
        "team": ["T1", "T2", "QA", "QA"],
        "market": ["US", "BR", "US", "US"],
        "vendor": ["Acme", None, None, None],
        "start_date": "2025-01-01",
    }
)
PROJECTS = pd.DataFrame(
    {
        "project_id": ["P1", "P2", "P3"],
        "project_name": ["Hate EN", "Spam PT", "Old"],
        "market": ["US", "BR", "US"],
        "language": ["en", "pt", "en"],
        "policy_area": ["Hate", "Spam", "Hate"],
        "status": ["Active", "Active", "Closed"],
        "start_date": "2025-01-01",
        "target_accuracy": [0.9, None, None],
    }
)
TAXONOMY = pd.DataFrame(
    {
        "policy_area": ["Hate", "Hate", "Spam", "Spam"],
        "decision": ["Violating", "Benign", "Violating", "Benign"],
        "default_severity": ["Critical", None, "Minor", None],
    }
)
# columns: date, project, labeler, auditor, labeler decision, auditor decision, error type,
# severity, disputed, outcome
AUDIT_ROWS = (
    [("2026-03-02", "P1", "L1", "Q1", "Violating", "Violating", None, None, "no", None)] * 4
    + [("2026-03-03", "P1", "L1", "Q1", "Benign", "Benign", None, None, "no", None)] * 3
    + [
        # disputed and Overturned: the labeler was right, so this audit is correct
        (
            "2026-03-04",
            "P1",
            "L1",
            "Q1",
            "Benign",
            "Violating",
            "FalseNegative",
            "Major",
            "yes",
            "Overturned",
        ),
        (
            "2026-03-04",
            "P1",
            "L1",
            "Q1",
            "Benign",
            "Violating",
            "WrongPolicy",
            "Critical",
            "yes",
            "Upheld",
        ),
        # no severity: Taxonomy (Hate, Benign) has no default → Major
        ("2026-03-05", "P1", "L1", "Q1", "Violating", "Benign", "FalsePositive", None, "no", None),
        ("2026-03-09", "P2", "L2", "Q2", "Benign", "Benign", None, None, "no", None),
        ("2026-03-09", "P2", "L2", "Q2", "Violating", "Violating", None, None, "no", None),
        # no severity: Taxonomy (Spam, Violating) default Minor; disputed, no outcome yet
        ("2026-03-10", "P2", "L2", "Q2", "Benign", "Violating", "FalsePositive", None, "yes", None),
        ("2026-03-10", "P2", "L2", "Q2", "Violating", "Benign", None, "Minor", "no", None),
        ("2026-04-01", "P2", "L1", "Q2", "Benign", "Benign", None, None, "no", None),
        ("2026-04-02", "P2", "L1", "Q2", "Violating", "Violating", None, None, "no", None),
        # a blank decision cannot be judged and is skipped
        ("2026-04-02", "P2", "L1", "Q2", None, "Violating", None, None, "no", None),
    ]
)
PRODUCTION = pd.DataFrame(
    [
        ("2026-03-02", "L1", "P1", 600, 600.0),
        ("2026-03-02", "L2", "P1", 400, 400.0),
        ("2026-03-03", "L2", "P2", 50, 60.0),
        ("2026-03-31", "L1", "P3", 100, 100.0),
    ],
    columns=["date", "person_id", "project_id", "items", "handle_minutes"],
)


def audits_frame(rows):
    cols = [
        "audit_date",
        "project_id",
        "person_id",
        "auditor_id",
        "labeler_decision",
        "auditor_decision",
        "error_type",
        "severity",
        "disputed",
        "dispute_outcome",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame.insert(0, "audit_id", [f"A{i}" for i in range(len(frame))])
    frame.insert(2, "item_id", [f"I{i}" for i in range(len(frame))])
    return frame


@pytest.fixture(scope="module")
def ws():
    return Workspace.from_frames(
        {
            "Roster": ROSTER,
            "Projects": PROJECTS,
            "Taxonomy": TAXONOMY,
            "Audits": audits_frame(AUDIT_ROWS),
            "Production": PRODUCTION,
        },
        settings=Settings(min_audit_sample=5, audit_margin=0.05),
        today=TODAY,
    )


@pytest.fixture(scope="module")
def empty_ws():
    return Workspace.from_frames({}, settings=Settings(), today=TODAY)


def random_frames(n=1500, seed=0, projects=4, auditors=4, people=12, months=3):
    rng = np.random.default_rng(seed)
    people_ids = [f"L{i}" for i in range(people)]
    auditor_ids = [f"Q{i}" for i in range(auditors)]
    roster = pd.DataFrame(
        {
            "person_id": people_ids + auditor_ids,
            "name": people_ids + auditor_ids,
            "role": ["Labeler"] * people + ["QA"] * auditors,
            "vendor": np.array([None, "Acme", "Beta"], dtype=object)[
                rng.integers(0, 3, people + auditors)
            ],
            "team": rng.choice(["T1", "T2"], people + auditors),
            "start_date": "2025-01-01",
        }
    )
    proj = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(projects)],
            "project_name": "x",
            "market": "US",
            "language": "en",
            "policy_area": [["Hate", "Spam"][i % 2] for i in range(projects)],
            "status": "Active",
            "start_date": "2025-01-01",
        }
    )
    decisions = np.array(["Violating", "Benign", "Escalate"], dtype=object)
    lab = decisions[rng.integers(0, 3, n)]
    aud = np.where(rng.random(n) < 0.85, lab, decisions[rng.integers(0, 3, n)])
    disputed = np.where((lab != aud) & (rng.random(n) < 0.4), "yes", "no")
    outcome = np.where(
        disputed == "yes",
        np.array(["Upheld", "Overturned", None], dtype=object)[rng.integers(0, 3, n)],
        None,
    )
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 30 * months, n), "D")
    rows = list(
        zip(
            dates.strftime("%Y-%m-%d"),
            np.array(proj["project_id"])[rng.integers(0, projects, n)],
            np.array(people_ids)[rng.integers(0, people, n)],
            np.array(auditor_ids)[rng.integers(0, auditors, n)],
            lab,
            aud,
            np.where(lab != aud, "FalsePositive", None),
            np.where(
                lab != aud, np.array(["Critical", "Major", "Minor"])[rng.integers(0, 3, n)], None
            ),
            disputed,
            outcome,
            strict=True,
        )
    )
    tax = pd.DataFrame(
        [(a, d) for a in ("Hate", "Spam") for d in decisions], columns=["policy_area", "decision"]
    )
    return {"Roster": roster, "Projects": proj, "Taxonomy": tax, "Audits": audits_frame(rows)}


@pytest.fixture(scope="module")
def rws():
    return Workspace.from_frames(random_frames(), settings=Settings(), today=TODAY)


# --------------------------------------------------------------------------- facts


def test_correctness_rule_and_effective_severity(ws):
    facts = q.audit_facts(ws)
    assert len(facts) == 16  # the row with a blank decision is skipped
    march = facts[facts["audit_date"] < "2026-04-01"]
    assert march["correct"].tolist() == [True] * 8 + [False, False] + [True, True, False, False]
    errors = march[~march["correct"]]
    assert errors["error_severity"].tolist() == ["Critical", "Major", "Minor", "Minor"]
    assert errors["error_weight"].tolist() == [5.0, 2.0, 1.0, 1.0]
    outcome = march["outcome"].astype(object).where(march["outcome"].notna(), None)
    # Undisputed audits have no outcome; a disputed one without an outcome is Pending.
    assert outcome.tolist()[7:] == ["Overturned", "Upheld", None, None, None, "Pending", None]


def test_audit_facts_month_filter_and_bad_month(ws):
    assert len(q.audit_facts(ws, "2026-04")) == 2
    for bad in ("2026-13", "March", "2026-3"):
        with pytest.raises(MetricInputError):
            q.audit_facts(ws, bad)


# --------------------------------------------------------------------------- accuracy


def test_accuracy_table_per_labeler_and_month(ws):
    table = q.accuracy_table(ws, "person_id")
    got = [
        tuple(r)
        for r in table[
            ["person_id", "period", "audited", "correct", "errors", "sufficient"]
        ].itertuples(index=False)
    ]
    assert got == [
        ("L1", "2026-03", 10, 8, 2, True),
        ("L1", "2026-04", 2, 2, 0, False),
        ("L2", "2026-03", 4, 2, 2, False),
    ]
    first = table.iloc[0]
    assert first["accuracy"] == 0.8
    assert (first["ci_low"], first["ci_high"]) == pytest.approx(wilson_interval(8, 10))
    # 1 − (Critical 5 + Major 2) / (10 audits × max weight 5)
    assert first["weighted_score"] == pytest.approx(1 - 7 / 50)
    assert table.iloc[2]["weighted_score"] == pytest.approx(1 - 2 / 20)
    assert list(table.columns) == ["person_id", "period", *q.ACCURACY_COLUMNS]


def test_accuracy_by_dimensions_and_weeks(ws):
    vendor = q.accuracy_table(ws, ["vendor", "policy_area"], freq=None)
    got = [
        tuple(r)
        for r in vendor[["vendor", "policy_area", "audited", "correct"]].itertuples(index=False)
    ]
    assert got == [("Acme", "Hate", 10, 8), ("Acme", "Spam", 2, 2), ("In-house", "Spam", 4, 2)]
    weeks = q.accuracy_table(ws, "language", freq="week")
    assert weeks["period"].tolist() == ["2026-W10", "2026-W11", "2026-W14"]
    assert weeks["audited"].sum() == 16
    for by in ("market", "team", "project_id", "auditor_id"):
        assert q.accuracy_table(ws, by)["audited"].sum() == 16


def test_accuracy_bad_arguments(ws):
    with pytest.raises(MetricInputError, match="choose from"):
        q.accuracy_table(ws, "site")
    with pytest.raises(MetricInputError):
        q.accuracy_table(ws, "person_id", freq="day")
    with pytest.raises(MetricInputError):
        q.accuracy_table(ws, [])


def test_accuracy_agrees_with_a_row_by_row_count(rws):
    table = q.accuracy_table(rws, "person_id", "month")
    audits = rws.frame("Audits")
    expected: dict[tuple[str, str], list[int]] = {}
    for r in audits.itertuples():
        correct = r.labeler_decision == r.auditor_decision or (
            r.disputed == "yes" and r.dispute_outcome == "Overturned"
        )
        key = (r.person_id, r.audit_date.strftime("%Y-%m"))
        expected.setdefault(key, [0, 0])
        expected[key][0] += 1
        expected[key][1] += int(correct)
    got = {(r.person_id, r.period): [r.audited, r.correct] for r in table.itertuples()}
    assert got == expected


# --------------------------------------------------------------------------- coaching


def test_labeler_quality_targets_and_flags(ws):
    table = q.labeler_quality(ws)
    assert table["target"].tolist() == pytest.approx([0.9, 0.95, 0.95])
    assert table["flag"].tolist() == ["within", "insufficient", "insufficient"]


def test_coaching_rule():
    flags = q.coaching_flag(
        [True, True, True, True, False],
        [0.5, 0.96, 0.9, 0.2, 0.99],
        [0.89, 0.99, 0.95, 0.95, 1.0],
        [0.9, 0.95, 0.95, 0.95, 0.5],
    )
    assert flags.tolist() == ["below", "above", "within", "within", "insufficient"]


def test_target_weighted_by_audit_mix():
    rows = [("2026-03-02", "P1", "L1", "Q1", "Benign", "Benign", None, None, "no", None)] * 3
    rows += [("2026-03-02", "P2", "L1", "Q1", "Benign", "Benign", None, None, "no", None)]
    w = Workspace.from_frames(
        {"Roster": ROSTER, "Projects": PROJECTS, "Audits": audits_frame(rows)},
        settings=Settings(accuracy_target=0.98),
        today=TODAY,
    )
    assert q.labeler_quality(w, None)["target"].tolist() == pytest.approx([(3 * 0.9 + 0.98) / 4])


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40))
def test_labeler_flags_follow_the_rule_on_random_data(seed, min_sample):
    frames = random_frames(n=200, seed=seed, people=5, months=1)
    w = Workspace.from_frames(frames, settings=Settings(min_audit_sample=min_sample), today=TODAY)
    table = q.labeler_quality(w, None)
    assert table["audited"].sum() == 200
    assert ((table["ci_low"] <= table["accuracy"]) & (table["accuracy"] <= table["ci_high"])).all()
    for r in table.itertuples():
        if r.audited < min_sample:
            assert r.flag == "insufficient"
        elif r.flag == "below":
            assert r.ci_high < r.target
        elif r.flag == "above":
            assert r.ci_low > r.target
        else:
            assert r.flag == "within" and r.ci_low <= r.target <= r.ci_high


# --------------------------------------------------------------------------- errors


def test_error_pareto(ws):
    table = q.error_pareto(ws, "2026-03")
    got = [
        tuple(r)
        for r in table[["error_type", "errors", "critical", "major", "minor"]].itertuples(
            index=False
        )
    ]
    assert got == [
        ("FalsePositive", 2, 0, 1, 1),
        ("Unspecified", 1, 0, 0, 1),
        ("WrongPolicy", 1, 1, 0, 0),
    ]
    assert table["share"].tolist() == [0.5, 0.25, 0.25]
    assert table["cumulative_share"].tolist() == [0.5, 0.75, 1.0]
    assert q.error_pareto(ws, "2026-04").empty


def test_confusion_and_precision_recall_small(ws):
    matrix = q.confusion_matrix(ws, policy_area="Hate")
    assert matrix.index.tolist() == ["Benign", "Violating"]
    assert matrix.to_numpy().tolist() == [[4, 1], [1, 4]]
    assert (matrix.index.name, matrix.columns.name) == ("labeler_decision", "auditor_decision")
    pr = q.policy_precision_recall(ws, "2026-03").set_index(["policy_area", "decision"])
    hate = pr.loc[("Hate", "Violating")]
    assert (hate["tp"], hate["fp"], hate["fn"]) == (4, 1, 1)
    assert (hate["precision"], hate["recall"], hate["f1"]) == pytest.approx((0.8, 0.8, 0.8))


def test_precision_undefined_when_never_predicted():
    rows = [
        ("2026-03-02", "P1", "L1", "Q1", "Benign", "Violating", "FalseNegative", None, "no", None)
    ]
    w = Workspace.from_frames(
        {"Roster": ROSTER, "Projects": PROJECTS, "Audits": audits_frame(rows)}, today=TODAY
    )
    pr = q.policy_precision_recall(w).set_index("decision")
    assert np.isnan(pr.loc["Violating", "precision"]) and pr.loc["Violating", "recall"] == 0
    assert np.isnan(pr.loc["Benign", "recall"]) and pr.loc["Benign", "precision"] == 0


def test_precision_recall_and_confusion_agree_with_sklearn(rws):
    facts = q.audit_facts(rws)
    truth = facts["final_decision"].astype(str).to_numpy()
    pred = facts["labeler_decision"].astype(str).to_numpy()
    area = facts["policy_area"].astype(str).to_numpy()
    table = q.policy_precision_recall(rws)
    for policy in ("Hate", "Spam"):
        mask = area == policy
        labels = sorted(set(truth[mask]) | set(pred[mask]))
        p, r, f, s = precision_recall_fscore_support(
            truth[mask], pred[mask], labels=labels, zero_division=0
        )
        ours = table[table["policy_area"] == policy].set_index("decision").loc[labels]
        np.testing.assert_allclose(ours["precision"], p)
        np.testing.assert_allclose(ours["recall"], r)
        np.testing.assert_allclose(ours["f1"], f)
        np.testing.assert_array_equal(ours["support"], s)
        matrix = q.confusion_matrix(rws, policy_area=policy)
        ref = sk_confusion(truth[mask], pred[mask], labels=labels).T  # ours: rows = labeler
        np.testing.assert_array_equal(matrix.loc[labels, labels].to_numpy(), ref)


# --------------------------------------------------------------------------- disputes


def test_dispute_summary(ws):
    total = q.dispute_summary(ws).iloc[0]
    assert (
        total["audited"],
        total["disputed"],
        total["decided"],
        total["upheld"],
        total["overturned"],
        total["pending"],
    ) == (16, 3, 2, 1, 1, 1)
    assert total["overturn_rate"] == 0.5
    assert (total["ci_low"], total["ci_high"]) == pytest.approx(wilson_interval(1, 2))
    per = q.dispute_summary(ws, "auditor_id").set_index("auditor_id")
    assert per.loc["Q2", "pending"] == 1 and np.isnan(per.loc["Q2", "overturn_rate"])
    assert (per.loc["Q2", "ci_low"], per.loc["Q2", "ci_high"]) == (0.0, 1.0)


# --------------------------------------------------------------------------- auditors


def test_strictness_without_peers(ws):
    table = q.auditor_strictness(ws)
    assert table["flag"].tolist() == ["no peers", "no peers"]
    assert table["errors_found"].tolist() == [3, 2]  # disagreements before disputes


def test_strictness_single_project_is_newcombe():
    rows = (
        [("2026-03-02", "P1", "L1", "Q1", "Benign", "Benign", None, None, "no", None)] * 60
        + [
            (
                "2026-03-02",
                "P1",
                "L1",
                "Q1",
                "Benign",
                "Violating",
                "FalseNegative",
                None,
                "no",
                None,
            )
        ]
        * 40
        + [("2026-03-02", "P1", "L2", "Q2", "Benign", "Benign", None, None, "no", None)] * 90
        + [
            (
                "2026-03-02",
                "P1",
                "L2",
                "Q2",
                "Benign",
                "Violating",
                "FalseNegative",
                None,
                "no",
                None,
            )
        ]
        * 10
    )
    w = Workspace.from_frames(
        {"Roster": ROSTER, "Projects": PROJECTS, "Audits": audits_frame(rows)}, today=TODAY
    )
    table = q.auditor_strictness(w).set_index("auditor_id")
    ref = confint_proportions_2indep(40, 100, 10, 100, method="newcomb", compare="diff")
    q1 = table.loc["Q1"]
    assert (q1["difference"], q1["peer_rate"], q1["peer_n"]) == pytest.approx((0.3, 0.1, 100))
    assert (q1["ci_low"], q1["ci_high"]) == pytest.approx(ref, abs=1e-10)
    assert q1["flag"] == "stricter" and table.loc["Q2", "flag"] == "lenient"


def test_strictness_peer_rate_is_weighted_to_own_project_mix(rws):
    facts = q.audit_facts(rws)
    table = q.auditor_strictness(rws).set_index("auditor_id")
    for auditor, row in table.iterrows():
        mine = facts[facts["auditor_id"] == auditor]
        others = facts[facts["auditor_id"] != auditor]
        weights = mine["project_id"].astype(str).value_counts(normalize=True)
        peer = sum(
            w * others.loc[others["project_id"] == p, "flagged"].mean() for p, w in weights.items()
        )
        assert row["peer_rate"] == pytest.approx(peer)
        assert row["ci_low"] <= row["difference"] <= row["ci_high"]
        flag = "stricter" if row["ci_low"] > 0 else "lenient" if row["ci_high"] < 0 else "in line"
        assert row["flag"] == flag


# --------------------------------------------------------------------------- SPC


def test_spc_by_project_matches_p_chart(rws):
    table = q.spc_by_project(rws, "week")
    for project, part in table.groupby("project_id"):
        ref = p_chart(part["errors"].to_numpy(), part["audited"].to_numpy())
        np.testing.assert_allclose(
            part[["p", "center", "lcl", "ucl"]].to_numpy(),
            ref[["p", "center", "lcl", "ucl"]].to_numpy(),
        )
        assert part["out_of_control"].tolist() == ref["out_of_control"].tolist(), project
    with pytest.raises(MetricInputError):
        q.spc_by_project(rws, None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sampling


def test_sampling_plan(ws):
    plan = q.sampling_plan(ws)  # last complete month of Production: 2026-03
    got = [tuple(r) for r in plan.itertuples(index=False)]
    n1 = cochran_sample_size(0.05, 0.95, population=1000)
    n2 = cochran_sample_size(0.05, 0.95, population=50)
    assert (n1, n2) == (278, 45)
    assert got == [
        ("2026-03", "P1", "L1", 600, 167),
        ("2026-03", "P1", "L2", 400, 111),
        ("2026-03", "P2", "L2", 50, 45),
    ]  # P3 is Closed
    assert allocate(n1, [600, 400]).tolist() == [167, 111]
    assert q.sampling_plan(ws, "2026-05").empty


def test_vendor_lot_plans(ws):
    lots = q.vendor_lot_plans(ws, "2026-03")
    assert lots["vendor"].tolist() == ["Acme"]  # in-house work is not a vendor lot
    row = lots.iloc[0]
    plan = z14_plan(700, 1.0, "II")
    assert (
        row["lot_size"],
        row["code_letter"],
        row["sample_size"],
        row["accept"],
        row["reject"],
    ) == (700, "J", plan.sample_size, 2, 3)


# --------------------------------------------------------------------------- summary


def test_quality_summary(ws):
    s = q.quality_summary(ws, "2026-03")
    assert (s["audits"], s["correct"], s["errors"]) == (14, 10, 4)
    assert s["accuracy"] == pytest.approx(10 / 14)
    assert (s["accuracy_ci_low"], s["accuracy_ci_high"]) == pytest.approx(wilson_interval(10, 14))
    ref = stratified_accuracy(
        pd.DataFrame({"volume": [1000, 50], "audited": [10, 4], "correct": [8, 2]})
    )
    assert s["stratified_accuracy"] == pytest.approx((1000 * 0.8 + 50 * 0.5) / 1050)
    assert s["stratified_se"] == pytest.approx(ref.standard_error)
    # P3 (100 items) has no audits, so it cannot be estimated and is left out.
    assert s["stratified_coverage"] == pytest.approx(1050 / 1150)
    assert (s["disputes"], s["disputes_decided"], s["overturn_rate"]) == (3, 2, 0.5)
    assert (s["labelers"], s["labelers_insufficient"], s["share_below"]) == (2, 1, 0.0)
    assert s["weighted_score"] == pytest.approx(1 - 9 / (14 * 5))


def test_quality_summary_empty_month(ws):
    s = q.quality_summary(ws, "2025-01")
    assert s["audits"] == 0
    assert s["accuracy"] is None and s["stratified_accuracy"] is None
    assert s["overturn_rate"] is None and s["share_below"] is None
    # Issue 11: no month means the workspace's reporting month (periods.resolve_month).
    assert q.quality_summary(ws, None)["month"] == resolve_month(ws, None)
    with pytest.raises(MetricInputError):
        q.quality_summary(ws, "2025-13")


def test_empty_workspace_gives_empty_frames(empty_ws):
    assert q.accuracy_table(empty_ws, "person_id").empty
    assert list(q.labeler_quality(empty_ws).columns)[-2:] == ["target", "flag"]
    assert q.error_pareto(empty_ws).empty
    assert q.policy_precision_recall(empty_ws).empty
    assert q.confusion_matrix(empty_ws).empty
    assert q.dispute_summary(empty_ws, "vendor").empty
    assert q.dispute_summary(empty_ws)["audited"].tolist() == [0]
    assert q.auditor_strictness(empty_ws).empty
    assert q.spc_by_project(empty_ws).empty
    assert q.sampling_plan(empty_ws).empty
    assert q.vendor_lot_plans(empty_ws).empty
    assert q.quality_summary(empty_ws, "2026-03")["audits"] == 0
