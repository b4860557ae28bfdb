"""Dawid–Skene: estimate each rater's confusion matrix and each item's true label without gold.

The model (Dawid & Skene 1979): item i has a hidden true class k with prior p_k; rater j,
shown an item of class k, answers l with probability π_j[k, l], independently of the other
raters. EM alternates between the posterior of each item's class (E-step) and the priors
and confusion matrices that best explain those posteriors (M-step).

Choices (documented in docs/agreement.md):

* **Start**: majority-vote soft labels — each item's share of votes per class. This ties
  the classes to their names and avoids label switching.
* **Smoothing**: every confusion-matrix row and the prior get ``smoothing`` pseudo-counts
  per cell (default 0.01), so no probability is exactly 0 and one odd answer cannot make
  an item impossible. Pass 0 for the plain maximum-likelihood estimate.
* **Stopping rule**: stop when the log-likelihood changes by less than
  ``tol × max(1, |log-likelihood|)`` (default tol 1e-6) or after ``max_iter`` (200)
  iterations; ``converged`` says which.
* **Ties** in the most probable label go to the first class in ``classes`` order.
* **One rater**: raises ``MetricInputError``; with a single rater the rater's errors cannot
  be told apart from the truth, so there is nothing to estimate.

Computation is in the two-step shape of DESIGN.md §8: ratings are first counted per
(item, rater, label), then EM runs on those counts with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelxl.errors import MetricInputError


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """Estimates of a Dawid–Skene fit.

    ``confusion[rater]`` has true classes as rows and given labels as columns (rows sum
    to 1); ``rater_accuracy`` is Σ_k prior_k · π[k, k], the chance the rater gives the
    true label on a random item; ``posteriors`` has one row per item and one column per
    class; ``labels`` is each item's most probable class.
    """

    classes: tuple[Any, ...]
    priors: pd.Series
    confusion: dict[Any, pd.DataFrame]
    rater_accuracy: pd.Series
    posteriors: pd.DataFrame
    labels: pd.Series
    iterations: int
    converged: bool
    log_likelihood: float


def _codes(values: pd.Series, order: Sequence[Any] | None, what: str) -> tuple[np.ndarray, list]:
    if order is None:
        uniques = list(pd.unique(values.to_numpy(dtype=object)))
        try:
            order = sorted(uniques)
        except TypeError:
            order = sorted(uniques, key=lambda v: (type(v).__name__, str(v)))
    index = pd.Index(list(order), dtype=object)
    if not index.is_unique:
        raise MetricInputError(f"{what} must not repeat a value")
    codes = index.get_indexer(values.to_numpy(dtype=object))
    if (codes < 0).any():
        bad = pd.unique(values[codes < 0].to_numpy(dtype=object))[:5]
        raise MetricInputError(f"{what} does not include: {', '.join(map(repr, bad))}")
    return codes, list(order)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    top = a.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - top).sum(axis=1)) + top[:, 0]


def dawid_skene(
    ratings: pd.DataFrame,
    *,
    item: str = "item_id",
    rater: str = "rater_id",
    label: str = "label",
    classes: Sequence[Any] | None = None,
    smoothing: float = 0.01,
    tol: float = 1e-6,
    max_iter: int = 200,
) -> DawidSkeneResult:
    """Fit the Dawid–Skene model by EM to a long table of (item, rater, label) ratings.

    Rows with a missing item, rater or label are ignored; a rater may rate an item more
    than once (each rating counts). ``classes`` fixes the class order (default: sorted
    labels) and may include classes nobody chose.
    """
    for col in (item, rater, label):
        if col not in ratings.columns:
            raise MetricInputError(f"ratings has no {col!r} column")
    if smoothing < 0 or not np.isfinite(smoothing):
        raise MetricInputError(f"smoothing must be ≥ 0 (got {smoothing!r})")
    if max_iter < 1:
        raise MetricInputError(f"max_iter must be ≥ 1 (got {max_iter!r})")
    data = ratings[[item, rater, label]].astype(object)
    data = data[data.notna().all(axis=1)]
    if data.empty:
        raise MetricInputError("no complete (item, rater, label) ratings to fit")

    # Step 1: aggregate to counts per (item, rater, label).
    i_codes, items = _codes(data[item], None, "items")
    j_codes, raters = _codes(data[rater], None, "raters")
    l_codes, class_list = _codes(data[label], classes, "classes")
    if len(raters) < 2:
        raise MetricInputError(
            "Dawid–Skene needs at least two raters: with one, the rater's errors cannot be "
            "told apart from the truth"
        )
    n_i, n_j, n_k = len(items), len(raters), len(class_list)
    key = (i_codes * n_j + j_codes) * n_k + l_codes
    uniq, count = np.unique(key, return_counts=True)
    ri, rest = np.divmod(uniq, n_j * n_k)
    rj, rl = np.divmod(rest, n_k)
    c = count.astype(float)

    # Step 2: EM on the counts. T[i, k] = P(item i is class k | ratings).
    votes = np.zeros((n_i, n_k))
    np.add.at(votes, (ri, rl), c)
    post = votes / votes.sum(axis=1, keepdims=True)

    log_lik = -np.inf
    converged = False
    iterations = 0
    priors = np.full(n_k, 1.0 / n_k)
    conf = np.full((n_j, n_k, n_k), 1.0 / n_k)
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        # M-step: priors and confusion matrices from the current posteriors.
        priors = (post.sum(axis=0) + smoothing) / (n_i + n_k * smoothing)
        mass = np.zeros((n_j, n_k, n_k))
        for k in range(n_k):
            mass[:, k, :] = np.bincount(
                rj * n_k + rl, weights=post[ri, k] * c, minlength=n_j * n_k
            ).reshape(n_j, n_k)
        mass += smoothing
        totals = mass.sum(axis=2, keepdims=True)
        # A rater who never saw (even fractionally) an item of class k has no evidence
        # about that row; a uniform row says "no information" instead of 0/0.
        conf = np.divide(mass, totals, out=np.full_like(mass, 1.0 / n_k), where=totals > 0)

        # E-step: log P(item i's ratings, class k) and the new posteriors.
        with np.errstate(divide="ignore"):
            log_conf = np.log(conf)
            log_prior = np.log(priors)
        contrib = c[:, None] * log_conf[rj, :, rl]  # rows × classes
        joint = np.tile(log_prior, (n_i, 1))
        for k in range(n_k):
            joint[:, k] += np.bincount(ri, weights=contrib[:, k], minlength=n_i)
        norm = _logsumexp(joint)
        if not np.isfinite(norm).all():
            # Only reachable with smoothing=0: some item's ratings have probability 0.
            raise MetricInputError(
                "some items' ratings are impossible under the fitted model; use smoothing > 0"
            )
        post = np.exp(joint - norm[:, None])
        new_log_lik = float(norm.sum())
        change = abs(new_log_lik - log_lik)
        log_lik = new_log_lik
        if change < tol * max(1.0, abs(log_lik)):
            converged = True
            break

    class_index = pd.Index(class_list, dtype=object, name="class")
    item_index = pd.Index(items, dtype=object, name=item)
    rater_index = pd.Index(raters, dtype=object, name=rater)
    posteriors = pd.DataFrame(post, index=item_index, columns=class_index)
    accuracy = (priors[None, :] * np.diagonal(conf, axis1=1, axis2=2)).sum(axis=1)
    return DawidSkeneResult(
        classes=tuple(class_list),
        priors=pd.Series(priors, index=class_index, name="prior"),
        confusion={
            r: pd.DataFrame(
                conf[j],
                index=pd.Index(class_list, dtype=object, name="true"),
                columns=pd.Index(class_list, dtype=object, name="given"),
            )
            for j, r in enumerate(raters)
        },
        rater_accuracy=pd.Series(accuracy, index=rater_index, name="accuracy"),
        posteriors=posteriors,
        labels=pd.Series(
            np.asarray(class_list, dtype=object)[post.argmax(axis=1)],
            index=item_index,
            name="label",
            dtype=object,
        ),
        iterations=iterations,
        converged=converged,
        log_likelihood=log_lik,
    )
