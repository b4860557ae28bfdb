"""The LX_ cell functions (xlwings UDFs): each converts its ranges, calls the core, returns cells.

Windows Excel imports this module through xlwings ("UDF Modules" = ``labelxl.excel.udfs``);
on macOS and Linux the xlwings decorators are no-ops, so the module still imports and the
functions are plain Python (what the tests and ``lite/main.py`` use).

Parameters carry no type annotations on purpose: xlwings turns an annotation into a
converter (``x: float`` would make xlwings look for a "float" converter). Results that
spill (``LX_WILSON``, ``LX_Z14``, ``LX_PCHART``) are lists of rows, which Excel 365 spills
natively; ``@xw.ret(expand=...)`` is the legacy pre-dynamic-array mechanism and is not
used (it writes into neighbouring cells after the calculation, over whatever is there).
Every function returns ``#LX! <reason>`` text instead of raising (see ``cell_errors``).
"""

from __future__ import annotations

import numpy as np
import xlwings as xw

from labelxl.errors import MetricInputError
from labelxl.excel.convert import (
    cell_errors,
    choice,
    count_table,
    labels,
    number,
    numbers,
    optional_number,
    paired_numbers,
    same_length,
    scalar,
    table,
    whole,
)
from labelxl.stats.agreement import LEVELS, cohen_kappa, fleiss_kappa, gwet_ac1, krippendorff_alpha
from labelxl.stats.erlang import erlang_c_agents
from labelxl.stats.intervals import wilson_arrays
from labelxl.stats.sampling import cochran_sample_size, z14_plan
from labelxl.stats.spc import p_chart
from labelxl.stats.staffing import batch_fte

CATEGORY = "labelxl"
WEIGHTS = ("none", "linear", "quadratic")
INSPECTION_LEVELS = {"1": "I", "2": "II", "3": "III", "I": "I", "II": "II", "III": "III"}

__all__ = [
    "LX_AC1",
    "LX_ACCURACY",
    "LX_AHT",
    "LX_ALPHA",
    "LX_ERLANG_AGENTS",
    "LX_FLEISS",
    "LX_FTE",
    "LX_KAPPA",
    "LX_PCHART",
    "LX_SAMPLE_SIZE",
    "LX_THROUGHPUT",
    "LX_WILSON",
    "LX_Z14",
]


@xw.func(category=CATEGORY)
@xw.arg(
    "successes",
    err_to_str=True,
    doc="Number of successes (e.g. correct audits), or a column of them.",
)
@xw.arg("n", err_to_str=True, doc="Number of trials (e.g. audited items), same shape as successes.")
@xw.arg("confidence", err_to_str=True, doc="Confidence level between 0 and 1. Default 0.95.")
@cell_errors
def LX_WILSON(successes, n, confidence=None):
    """Wilson score interval for successes/n: spills low and high (one row per pair)."""
    s, m, keep = paired_numbers(successes, n, ("successes", "n"))
    low, high = wilson_arrays(s, m, number(confidence, "confidence", 0.95))
    return _spill(np.column_stack([low, high]).tolist(), keep, width=2)


@xw.func(category=CATEGORY)
@xw.arg("correct", err_to_str=True, doc="Correct audits: a number or a range (summed).")
@xw.arg("audited", err_to_str=True, doc="Audited items: a number or a range (summed).")
@cell_errors
def LX_ACCURACY(correct, audited):
    """Accuracy = correct / audited (ranges are summed first)."""
    c, a = numbers(correct, "correct", blank=0.0).sum(), numbers(audited, "audited", 0.0).sum()
    if a <= 0:
        raise MetricInputError("no audits: audited is 0")
    if not 0 <= c <= a:
        raise MetricInputError(f"correct must be between 0 and audited ({c:g} vs {a:g})")
    return float(c / a)


@xw.func(category=CATEGORY)
@xw.arg(
    "rater1",
    err_to_str=True,
    doc="Labels of the first rater, one item per cell. Blanks are skipped.",
)
@xw.arg("rater2", err_to_str=True, doc="Labels of the second rater for the same items, same size.")
@xw.arg(
    "weights",
    err_to_str=True,
    doc='Optional: "none" (default), "linear" or "quadratic" for ordered labels.',
)
@cell_errors
def LX_KAPPA(rater1, rater2, weights=None):
    """Cohen's kappa between two raters (optionally weighted for ordered labels)."""
    a, b = labels(rater1), labels(rater2)
    same_length(a, b)
    w = choice(weights, "weights", WEIGHTS, "none")
    return cohen_kappa(a, b, None if w == "none" else w)  # type: ignore[arg-type]


@xw.func(category=CATEGORY)
@xw.arg(
    "counts",
    ndim=2,
    err_to_str=True,
    doc="Items × categories: how many raters chose each category.",
)
@cell_errors
def LX_FLEISS(counts):
    """Fleiss' kappa from a table of counts (rows items, columns categories)."""
    return fleiss_kappa(count_table(counts, "counts"))


@xw.func(category=CATEGORY)
@xw.arg(
    "ratings",
    ndim=2,
    err_to_str=True,
    doc="Items × raters: each row one item, each column one rater.",
)
@xw.arg(
    "level", err_to_str=True, doc='Optional: "nominal" (default), "ordinal", "interval" or "ratio".'
)
@cell_errors
def LX_ALPHA(ratings, level=None):
    """Krippendorff's alpha; rows are items, columns raters, blanks are missing ratings."""
    grid = [[lab for lab in labels(row)] for row in table(ratings)]
    lvl = choice(level, "level", LEVELS, "nominal")
    # The core takes raters × units; a sheet has one row per item, so transpose.
    transposed = [list(col) for col in zip(*grid, strict=True)]
    return krippendorff_alpha(transposed, lvl)  # type: ignore[arg-type]


@xw.func(category=CATEGORY)
@xw.arg(
    "rater1",
    err_to_str=True,
    doc="Labels of the first rater, one item per cell. Blanks are skipped.",
)
@xw.arg("rater2", err_to_str=True, doc="Labels of the second rater for the same items, same size.")
@cell_errors
def LX_AC1(rater1, rater2):
    """Gwet's AC1 agreement between two raters (stable when one label dominates)."""
    a, b = labels(rater1), labels(rater2)
    same_length(a, b)
    return gwet_ac1(a, b)


@xw.func(category=CATEGORY)
@xw.arg("margin", err_to_str=True, doc="Margin of error wanted, e.g. 0.03 for ±3 points.")
@xw.arg("confidence", err_to_str=True, doc="Confidence level. Default 0.95.")
@xw.arg(
    "p",
    err_to_str=True,
    doc="Expected accuracy or error rate. Default 0.5 (the safe, largest size).",
)
@xw.arg(
    "population",
    err_to_str=True,
    doc="Optional: items in the population (finite-population correction).",
)
@cell_errors
def LX_SAMPLE_SIZE(margin, confidence=None, p=None, population=None):
    """Audit sample size for a margin of error (Cochran, finite-population corrected)."""
    size = optional_number(population, "population")
    if size is not None and not size.is_integer():
        raise MetricInputError(f"population must be a whole number (got {size:g})")
    return cochran_sample_size(
        number(margin, "margin"),
        number(confidence, "confidence", 0.95),
        number(p, "p", 0.5),
        None if size is None else int(size),
    )


@xw.func(category=CATEGORY)
@xw.arg("lot_size", err_to_str=True, doc="Items in the lot (e.g. a vendor's weekly delivery).")
@xw.arg(
    "aql",
    err_to_str=True,
    doc="Acceptable quality limit in percent, a Z1.4 value such as 1, 2.5, 4.",
)
@xw.arg("level", err_to_str=True, doc='Optional inspection level "I", "II" (default) or "III".')
@cell_errors
def LX_Z14(lot_size, aql, level=None):
    """ANSI/ASQ Z1.4 single sampling plan: spills code letter, sample size, Ac, Re."""
    key = choice(level, "level", tuple(INSPECTION_LEVELS), "II")
    plan = z14_plan(whole(lot_size, "lot_size"), number(aql, "aql"), INSPECTION_LEVELS[key or "II"])
    return [[plan.code_letter, plan.sample_size, plan.accept, plan.reject]]


@xw.func(category=CATEGORY)
@xw.arg("arrival_rate", err_to_str=True, doc="Items arriving per interval (default per hour).")
@xw.arg("aht_seconds", err_to_str=True, doc="Average handle time per item, in seconds.")
@xw.arg("target_sl", err_to_str=True, doc="Service-level target, e.g. 0.8 for 80%.")
@xw.arg("answer_seconds", err_to_str=True, doc="Within how many seconds, e.g. 60.")
@xw.arg(
    "interval_seconds",
    err_to_str=True,
    doc="Optional: length of the interval in seconds. Default 3600.",
)
@cell_errors
def LX_ERLANG_AGENTS(arrival_rate, aht_seconds, target_sl, answer_seconds, interval_seconds=None):
    """Agents needed on a real-time queue for a service level (Erlang C)."""
    return erlang_c_agents(
        number(arrival_rate, "arrival_rate"),
        number(aht_seconds, "aht_seconds"),
        number(target_sl, "target_sl"),
        number(answer_seconds, "answer_seconds"),
        number(interval_seconds, "interval_seconds", 3600.0),
    )


@xw.func(category=CATEGORY)
@xw.arg("volume", err_to_str=True, doc="Items to label in the period.")
@xw.arg("aht_seconds", err_to_str=True, doc="Average handle time per item, in seconds.")
@xw.arg(
    "hours_per_fte", err_to_str=True, doc="Paid hours of one full-time person in the same period."
)
@xw.arg(
    "shrinkage",
    err_to_str=True,
    doc="Share of paid time not available (leave, training…), e.g. 0.3.",
)
@xw.arg("occupancy", err_to_str=True, doc="Share of available time spent labeling, e.g. 0.85.")
@cell_errors
def LX_FTE(volume, aht_seconds, hours_per_fte, shrinkage, occupancy):
    """FTE for batch work = volume × AHT / (hours per FTE × (1 − shrinkage) × occupancy)."""
    return batch_fte(
        number(volume, "volume"),
        number(aht_seconds, "aht_seconds"),
        number(hours_per_fte, "hours_per_fte"),
        number(shrinkage, "shrinkage"),
        number(occupancy, "occupancy"),
    )


@xw.func(category=CATEGORY)
@xw.arg(
    "handle_minutes", err_to_str=True, doc="Handle time in minutes (a column of Production rows)."
)
@xw.arg("items", err_to_str=True, doc="Items done, same rows as handle_minutes.")
@cell_errors
def LX_AHT(handle_minutes, items):
    """Average handle time in seconds per item = total handle minutes × 60 / total items."""
    minutes, done, _ = paired_numbers(handle_minutes, items, ("handle_minutes", "items"))
    return _ratio(minutes.sum() * 60.0, done.sum(), "items")


@xw.func(category=CATEGORY)
@xw.arg("items", err_to_str=True, doc="Items done (a column of rows).")
@xw.arg("hours", err_to_str=True, doc="Productive hours, same rows as items.")
@cell_errors
def LX_THROUGHPUT(items, hours):
    """Throughput = total items / total productive hours."""
    done, spent, _ = paired_numbers(items, hours, ("items", "hours"))
    return _ratio(done.sum(), spent.sum(), "hours")


@xw.func(category=CATEGORY)
@xw.arg("defects", err_to_str=True, doc="Errors found per sample (e.g. per week).")
@xw.arg("sizes", err_to_str=True, doc="Items audited per sample, same rows as defects.")
@xw.arg(
    "sigma", err_to_str=True, doc="Optional: width of the limits in standard deviations. Default 3."
)
@cell_errors
def LX_PCHART(defects, sizes, sigma=None):
    """p-chart: spills p, center, lower limit, upper limit, out-of-control flag per sample."""
    d, n, keep = paired_numbers(defects, sizes, ("defects", "sizes"))
    if not keep.any():
        raise MetricInputError("no samples: both ranges are blank")
    chart = p_chart(d, n, number(sigma, "sigma", 3.0))
    rows = [[scalar(v) for v in r] for r in chart.itertuples(index=False, name=None)]
    return _spill(rows, keep, width=5)


# --------------------------------------------------------------------------- helpers


def _ratio(top: float, bottom: float, what: str) -> float:
    if bottom < 0 or top < 0:
        raise MetricInputError("values must not be negative")
    if bottom == 0:
        raise MetricInputError(f"total {what} is 0, so the ratio is undefined")
    return float(top / bottom)


def _spill(rows: list[list[object]], keep: np.ndarray, width: int) -> list[list[object]]:
    """Put result rows back where their input rows were; blank input rows spill blanks."""
    out: list[list[object]] = []
    it = iter(rows)
    for kept in keep:
        out.append([scalar(v) for v in next(it)] if kept else [""] * width)
    return out
