"""Dawid–Skene EM: the 1979 paper's data, a plain loop implementation, simulation, properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.errors import MetricInputError
from labelxl.stats.dawid_skene import DawidSkeneResult, dawid_skene

# Dawid & Skene (1979), Applied Statistics 28:20–28, Table 1: 45 patients, 5 clinicians
# (clinician 1 examined each patient three times), 4 classes of anaesthetic risk.
# Compact form: per patient, clinician 1's three answers then clinicians 2–5.
PAPER = """
111 1 1 1 1|333 4 3 3 4|112 2 1 2 2|222 3 1 2 1|222 3 2 2 2|222 3 3 2 2|122 2 1 1 1
333 3 4 3 3|222 2 2 2 3|232 2 2 2 3|444 4 4 4 4|222 3 3 4 3|111 1 1 1 1|222 3 2 1 2
121 1 1 1 1|111 2 1 1 1|111 1 1 1 1|111 1 1 1 1|222 2 2 2 1|222 1 3 2 2|222 2 2 2 2
222 2 2 2 1|222 3 2 2 2|221 2 2 2 2|111 1 1 1 1|111 1 1 1 1|232 2 2 2 2|111 1 1 1 1
111 1 1 1 1|112 1 1 2 1|111 1 1 1 1|333 3 2 3 3|111 1 1 1 1|222 2 2 2 2|222 3 2 3 2
433 4 3 4 3|221 2 2 3 2|232 3 2 3 3|333 3 4 3 2|111 1 1 1 1|111 1 1 1 1|121 2 1 1 1
232 2 2 2 2|121 1 1 1 1|222 2 2 2 2
"""


def _paper_ratings() -> pd.DataFrame:
    rows = []
    chunks = [c.strip() for c in PAPER.replace("\n", "|").split("|") if c.strip()]
    assert len(chunks) == 45
    for patient, chunk in enumerate(chunks, start=1):
        first, *others = chunk.split()
        for answer in first:
            rows.append((patient, 1, int(answer)))
        for clinician, answer in enumerate(others, start=2):
            rows.append((patient, clinician, int(answer)))
    return pd.DataFrame(rows, columns=["item_id", "rater_id", "label"])


def test_paper_example_reproduces_published_estimates() -> None:
    # Plain maximum likelihood (no smoothing), as in the paper. The estimates below are
    # those reproduced by the reference implementation github.com/dallascard/dawid_skene
    # (class marginals 0.40/0.42/0.11/0.07, log-likelihood −192.89, and the posteriors of
    # the patients the paper discusses as uncertain).
    res = dawid_skene(_paper_ratings(), smoothing=0.0, tol=1e-10)
    assert res.converged
    assert res.priors.to_numpy() == pytest.approx([0.40, 0.42, 0.11, 0.07], abs=0.005)
    assert res.log_likelihood == pytest.approx(-192.8909, abs=1e-3)
    conf1 = res.confusion[1].to_numpy()
    assert conf1.round(2).tolist() == [
        [0.89, 0.11, 0.00, 0.00],
        [0.07, 0.88, 0.05, 0.00],
        [0.00, 0.34, 0.66, 0.00],
        [0.00, 0.00, 0.56, 0.44],
    ]
    post = res.posteriors
    assert post.loc[7, 1] == pytest.approx(0.981, abs=1e-3)
    assert post.loc[35, 2] == pytest.approx(0.948, abs=1e-3)
    assert post.loc[38, 3] == pytest.approx(0.9788, abs=1e-4)
    assert res.labels.loc[[2, 8, 11, 12, 36]].tolist() == [4, 3, 4, 3, 4]


# --------------------------------------------------------------------------- loop implementation


def _loop_dawid_skene(ratings: pd.DataFrame, smoothing: float, iterations: int):  # type: ignore[no-untyped-def]
    """Dawid & Skene (1979) eqs. 2.3–2.5 written with plain loops and dicts."""
    items = sorted(ratings["item_id"].unique())
    raters = sorted(ratings["rater_id"].unique())
    classes = sorted(ratings["label"].unique())
    n: dict[tuple, int] = {}  # (item, rater, label) -> count
    for i, j, lab in ratings.itertuples(index=False):
        n[(i, j, lab)] = n.get((i, j, lab), 0) + 1
    post = {}
    for i in items:
        votes = {
            k: sum(v for (ii, _, lab), v in n.items() if ii == i and lab == k) for k in classes
        }
        total = math.fsum(votes.values())
        post[i] = {k: votes[k] / total for k in classes}
    for _ in range(iterations):
        prior = {
            k: (sum(post[i][k] for i in items) + smoothing)
            / (len(items) + len(classes) * smoothing)
            for k in classes
        }
        conf: dict[tuple, float] = {}
        for j in raters:
            for k in classes:
                row: dict[object, float] = {
                    lab: smoothing
                    + sum(post[i][k] * v for (i, jj, ll), v in n.items() if jj == j and ll == lab)
                    for lab in classes
                }
                total = math.fsum(row.values())
                for lab in classes:
                    conf[(j, k, lab)] = row[lab] / total if total > 0 else 1 / len(classes)
        loglik = 0.0
        for i in items:
            joint: dict[object, float] = {}
            for k in classes:
                p = prior[k]
                for (ii, j, lab), v in n.items():
                    if ii == i:
                        p *= conf[(j, k, lab)] ** v
                joint[k] = p
            total = math.fsum(joint.values())
            loglik += math.log(total)
            post[i] = {k: joint[k] / total for k in classes}
    return prior, conf, post, loglik


def test_matches_loop_implementation_step_for_step() -> None:
    rng = np.random.default_rng(4)
    rows = []
    for item in range(25):
        truth = int(rng.integers(0, 3))
        for rater in range(4):
            if rng.random() < 0.2:
                continue  # missing rating
            for _ in range(1 + int(rng.random() < 0.1)):  # occasional repeat rating
                lab = truth if rng.random() < 0.7 else int(rng.integers(0, 3))
                rows.append((f"i{item}", f"r{rater}", lab))
    ratings = pd.DataFrame(rows, columns=["item_id", "rater_id", "label"])
    for iterations in (1, 4):
        res = dawid_skene(ratings, tol=0.0, max_iter=iterations)  # tol 0: run all steps
        prior, conf, post, loglik = _loop_dawid_skene(ratings, 0.01, iterations)
        assert res.iterations == iterations and not res.converged
        assert res.priors.to_dict() == pytest.approx(prior)
        for (j, k, lab), p in conf.items():
            assert res.confusion[j].loc[k, lab] == pytest.approx(p)
        for i, dist in post.items():
            assert res.posteriors.loc[i].to_dict() == pytest.approx(dist)
        assert res.log_likelihood == pytest.approx(loglik)


# --------------------------------------------------------------------------- simulation


def _simulate(accuracies: list[float], n_items: int, priors: list[float], seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    k = len(priors)
    truth = rng.choice(k, n_items, p=priors)
    rows = []
    for j, acc in enumerate(accuracies):
        right = rng.random(n_items) < acc
        wrong = (truth + rng.integers(1, k, n_items)) % k  # uniform over the other classes
        given_ = np.where(right, truth, wrong)
        rows += [(i, f"r{j}", int(g)) for i, g in enumerate(given_)]
    return pd.DataFrame(rows, columns=["item_id", "rater_id", "label"]), truth


def test_recovers_known_rater_accuracies() -> None:
    accuracies = [0.95, 0.9, 0.8, 0.7, 0.6, 0.55, 0.5]
    ratings, _ = _simulate(accuracies, 1500, [0.5, 0.3, 0.2], seed=1)
    res = dawid_skene(ratings)
    assert res.converged
    estimated = res.rater_accuracy.loc[[f"r{j}" for j in range(len(accuracies))]].to_numpy()
    assert estimated == pytest.approx(accuracies, abs=0.04)


def test_beats_majority_vote_when_a_few_raters_are_good() -> None:
    accuracies = [0.95, 0.92, 0.5, 0.5, 0.45, 0.45, 0.4]
    ratings, truth = _simulate(accuracies, 1200, [0.4, 0.35, 0.25], seed=2)
    res = dawid_skene(ratings)
    ds_acc = float((res.labels.loc[list(range(len(truth)))].to_numpy() == truth).mean())
    votes = ratings.groupby(["item_id", "label"]).size().unstack(fill_value=0)
    mv_acc = float((votes.to_numpy().argmax(axis=1) == truth).mean())
    assert ds_acc > mv_acc + 0.03
    assert ds_acc > 0.9


def test_all_raters_agree_gives_their_label_with_certainty() -> None:
    rows = [(i, r, "Violating" if i % 3 else "Benign") for i in range(12) for r in "abcd"]
    res = dawid_skene(pd.DataFrame(rows, columns=["item_id", "rater_id", "label"]))
    expected = ["Violating" if i % 3 else "Benign" for i in range(12)]
    assert res.labels.loc[list(range(12))].tolist() == expected
    assert res.posteriors.max(axis=1).min() > 0.99
    assert (res.rater_accuracy > 0.95).all()


# --------------------------------------------------------------------------- degenerate inputs


def test_single_rater_raises() -> None:
    ratings = pd.DataFrame({"item_id": [1, 2, 3], "rater_id": ["a"] * 3, "label": [0, 1, 1]})
    with pytest.raises(MetricInputError, match="two raters"):
        dawid_skene(ratings)


def test_single_class_is_certain() -> None:
    ratings = pd.DataFrame(
        {"item_id": [1, 1, 2, 2], "rater_id": ["a", "b"] * 2, "label": ["ok"] * 4}
    )
    res = dawid_skene(ratings)
    assert res.classes == ("ok",)
    assert res.posteriors["ok"].tolist() == [1.0, 1.0]
    assert res.rater_accuracy.tolist() == [1.0, 1.0]
    assert res.converged


def test_missing_values_are_ignored_and_unused_classes_kept() -> None:
    ratings = pd.DataFrame(
        {
            "item_id": [1, 1, 2, 2, None, 3],
            "rater_id": ["a", "b", "a", "b", "a", None],
            "label": ["x", "x", "y", None, "x", "y"],
        }
    )
    res = dawid_skene(ratings, classes=["x", "y", "z"])
    assert list(res.posteriors.columns) == ["x", "y", "z"]
    assert list(res.posteriors.index) == [1, 2]
    assert res.labels.tolist() == ["x", "y"]


@pytest.mark.parametrize(
    ("ratings", "kwargs", "message"),
    [
        (pd.DataFrame({"item_id": [1], "rater_id": ["a"]}), {}, "'label'"),
        (pd.DataFrame({"item_id": [None], "rater_id": ["a"], "label": ["x"]}), {}, "no complete"),
        (
            pd.DataFrame({"item_id": [1, 1], "rater_id": ["a", "b"], "label": ["x", "q"]}),
            {"classes": ["x", "y"]},
            "does not include",
        ),
        (
            pd.DataFrame({"item_id": [1, 1], "rater_id": ["a", "b"], "label": ["x", "y"]}),
            {"smoothing": -1.0},
            "smoothing",
        ),
        (
            pd.DataFrame({"item_id": [1, 1], "rater_id": ["a", "b"], "label": ["x", "y"]}),
            {"max_iter": 0},
            "max_iter",
        ),
    ],
)
def test_bad_inputs_raise(ratings: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(MetricInputError, match=message):
        dawid_skene(ratings, **kwargs)


def test_stops_at_max_iter_and_says_so() -> None:
    ratings, _ = _simulate([0.9, 0.7, 0.6], 200, [0.5, 0.5], seed=3)
    res = dawid_skene(ratings, tol=0.0, max_iter=3)
    assert (res.iterations, res.converged) == (3, False)


# --------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 3), st.integers(0, 2)), min_size=2, max_size=60
    ).filter(lambda rows: len({r[1] for r in rows}) >= 2)
)
def test_result_is_a_proper_probability_model(rows: list[tuple[int, int, int]]) -> None:
    res = dawid_skene(pd.DataFrame(rows, columns=["item_id", "rater_id", "label"]))
    assert isinstance(res, DawidSkeneResult)
    post = res.posteriors.to_numpy()
    assert np.isfinite(post).all() and (post >= 0).all() and (post <= 1 + 1e-12).all()
    assert post.sum(axis=1) == pytest.approx(np.ones(len(post)))
    assert res.priors.sum() == pytest.approx(1.0)
    for conf in res.confusion.values():
        assert conf.to_numpy().sum(axis=1) == pytest.approx(np.ones(len(res.classes)))
    acc = res.rater_accuracy.to_numpy()
    assert ((acc >= 0) & (acc <= 1 + 1e-12)).all()
    assert res.log_likelihood <= 1e-9
    assert res.labels.tolist() == [res.classes[k] for k in post.argmax(axis=1)]
