"""labelxl for xlwings Lite: the LX_ cell functions and the Validate/Refresh actions in Excel.

Paste this file into the xlwings Lite editor's main.py tab and lite/requirements.txt into
its requirements.txt tab. Each function is a thin wrapper over ``labelxl.excel.udfs`` (the
same code the Windows desktop add-in calls), so results are identical on every door.
Parameters have no type hints on purpose: xlwings turns hints into converters. Every
argument is registered with ``err_to_str=True`` so an error cell arrives as ``'#N/A'`` and
the function answers ``#LX! rater1: cell 4 is #N/A`` instead of silently skipping it.
"""

import xlwings as xw
from xlwings import arg, func, script

from labelxl.excel import macros
from labelxl.excel import udfs as lx


@func
@arg("successes", err_to_str=True)
@arg("n", err_to_str=True)
@arg("confidence", err_to_str=True)
def LX_WILSON(successes, n, confidence=None):
    """Wilson score interval for successes/n: spills low and high."""
    return lx.LX_WILSON(successes, n, confidence)


@func
@arg("correct", err_to_str=True)
@arg("audited", err_to_str=True)
def LX_ACCURACY(correct, audited):
    """Accuracy = correct / audited (ranges are summed first)."""
    return lx.LX_ACCURACY(correct, audited)


@func
@arg("rater1", err_to_str=True)
@arg("rater2", err_to_str=True)
@arg("weights", err_to_str=True)
def LX_KAPPA(rater1, rater2, weights=None):
    """Cohen's kappa between two raters; weights "linear" or "quadratic" for ordered labels."""
    return lx.LX_KAPPA(rater1, rater2, weights)


@func
@arg("counts", ndim=2, err_to_str=True)
def LX_FLEISS(counts):
    """Fleiss' kappa from a table of counts (rows items, columns categories)."""
    return lx.LX_FLEISS(counts)


@func
@arg("ratings", ndim=2, err_to_str=True)
@arg("level", err_to_str=True)
def LX_ALPHA(ratings, level=None):
    """Krippendorff's alpha; rows items, columns raters; level nominal/ordinal/interval/ratio."""
    return lx.LX_ALPHA(ratings, level)


@func
@arg("rater1", err_to_str=True)
@arg("rater2", err_to_str=True)
def LX_AC1(rater1, rater2):
    """Gwet's AC1 agreement between two raters."""
    return lx.LX_AC1(rater1, rater2)


@func
@arg("margin", err_to_str=True)
@arg("confidence", err_to_str=True)
@arg("p", err_to_str=True)
@arg("population", err_to_str=True)
def LX_SAMPLE_SIZE(margin, confidence=None, p=None, population=None):
    """Audit sample size for a margin of error (Cochran, finite-population corrected)."""
    return lx.LX_SAMPLE_SIZE(margin, confidence, p, population)


@func
@arg("lot_size", err_to_str=True)
@arg("aql", err_to_str=True)
@arg("level", err_to_str=True)
def LX_Z14(lot_size, aql, level=None):
    """ANSI/ASQ Z1.4 single sampling plan: spills code letter, sample size, Ac, Re."""
    return lx.LX_Z14(lot_size, aql, level)


@func
@arg("arrival_rate", err_to_str=True)
@arg("aht_seconds", err_to_str=True)
@arg("target_sl", err_to_str=True)
@arg("answer_seconds", err_to_str=True)
@arg("interval_seconds", err_to_str=True)
def LX_ERLANG_AGENTS(arrival_rate, aht_seconds, target_sl, answer_seconds, interval_seconds=None):
    """Agents needed on a real-time queue for a service level (Erlang C)."""
    return lx.LX_ERLANG_AGENTS(
        arrival_rate, aht_seconds, target_sl, answer_seconds, interval_seconds
    )


@func
@arg("volume", err_to_str=True)
@arg("aht_seconds", err_to_str=True)
@arg("hours_per_fte", err_to_str=True)
@arg("shrinkage", err_to_str=True)
@arg("occupancy", err_to_str=True)
def LX_FTE(volume, aht_seconds, hours_per_fte, shrinkage, occupancy):
    """FTE for batch work = volume × AHT / (hours per FTE × (1 − shrinkage) × occupancy)."""
    return lx.LX_FTE(volume, aht_seconds, hours_per_fte, shrinkage, occupancy)


@func
@arg("handle_minutes", err_to_str=True)
@arg("items", err_to_str=True)
def LX_AHT(handle_minutes, items):
    """Average handle time in seconds per item."""
    return lx.LX_AHT(handle_minutes, items)


@func
@arg("items", err_to_str=True)
@arg("hours", err_to_str=True)
def LX_THROUGHPUT(items, hours):
    """Throughput = items / productive hours."""
    return lx.LX_THROUGHPUT(items, hours)


@func
@arg("defects", err_to_str=True)
@arg("sizes", err_to_str=True)
@arg("sigma", err_to_str=True)
def LX_PCHART(defects, sizes, sigma=None):
    """p-chart: spills p, center, lcl, ucl, out-of-control flag per sample."""
    return lx.LX_PCHART(defects, sizes, sigma)


@script
def validate(book: xw.Book):
    """List every problem in LX Issues (Lite cannot restore fills, so cells are not coloured)."""
    _run(book, lambda b: macros.validate_book(b, highlight_cells=False))


@script
def refresh(book: xw.Book):
    """Recompute the metrics and rewrite the LX sheets of this workbook."""
    _run(book, macros.refresh_book)


@script
def deck(book: xw.Book):
    """Explain where to build the deck: Lite runs in a sandbox that cannot save a .pptx file."""
    macros.alert(
        book,
        "xlwings Lite cannot save files on your computer, so the deck is built "
        "with the Build deck button of the desktop workbook or 'labelxl deck'.",
    )


def _run(book, action):
    try:
        action(book)
    except Exception as exc:  # one sentence in a message box, never a traceback
        macros.alert(book, macros.user_message(exc))
