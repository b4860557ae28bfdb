"""labelxl for xlwings Lite: the LX_ cell functions and the Validate/Refresh actions in Excel.

Paste this file into the xlwings Lite editor's main.py tab and lite/requirements.txt into
its requirements.txt tab. Each function is a thin wrapper over ``labelxl.excel.udfs`` (the
same code the Windows desktop add-in calls), so results are identical on every door.
Parameters have no type hints on purpose: xlwings turns hints into converters.
"""

import xlwings as xw
from xlwings import arg, func, script

from labelxl.excel import macros
from labelxl.excel import udfs as lx


@func
def LX_WILSON(successes, n, confidence=None):
    """Wilson score interval for successes/n: spills low and high."""
    return lx.LX_WILSON(successes, n, confidence)


@func
def LX_ACCURACY(correct, audited):
    """Accuracy = correct / audited (ranges are summed first)."""
    return lx.LX_ACCURACY(correct, audited)


@func
def LX_KAPPA(rater1, rater2, weights=None):
    """Cohen's kappa between two raters; weights "linear" or "quadratic" for ordered labels."""
    return lx.LX_KAPPA(rater1, rater2, weights)


@func
@arg("counts", ndim=2)
def LX_FLEISS(counts):
    """Fleiss' kappa from a table of counts (rows items, columns categories)."""
    return lx.LX_FLEISS(counts)


@func
@arg("ratings", ndim=2)
def LX_ALPHA(ratings, level=None):
    """Krippendorff's alpha; rows items, columns raters; level nominal/ordinal/interval/ratio."""
    return lx.LX_ALPHA(ratings, level)


@func
def LX_AC1(rater1, rater2):
    """Gwet's AC1 agreement between two raters."""
    return lx.LX_AC1(rater1, rater2)


@func
def LX_SAMPLE_SIZE(margin, confidence=None, p=None, population=None):
    """Audit sample size for a margin of error (Cochran, finite-population corrected)."""
    return lx.LX_SAMPLE_SIZE(margin, confidence, p, population)


@func
def LX_Z14(lot_size, aql, level=None):
    """ANSI/ASQ Z1.4 single sampling plan: spills code letter, sample size, Ac, Re."""
    return lx.LX_Z14(lot_size, aql, level)


@func
def LX_ERLANG_AGENTS(arrival_rate, aht_seconds, target_sl, answer_seconds, interval_seconds=None):
    """Agents needed on a real-time queue for a service level (Erlang C)."""
    return lx.LX_ERLANG_AGENTS(
        arrival_rate, aht_seconds, target_sl, answer_seconds, interval_seconds
    )


@func
def LX_FTE(volume, aht_seconds, hours_per_fte, shrinkage, occupancy):
    """FTE for batch work = volume × AHT / (hours per FTE × (1 − shrinkage) × occupancy)."""
    return lx.LX_FTE(volume, aht_seconds, hours_per_fte, shrinkage, occupancy)


@func
def LX_AHT(handle_minutes, items):
    """Average handle time in seconds per item."""
    return lx.LX_AHT(handle_minutes, items)


@func
def LX_THROUGHPUT(items, hours):
    """Throughput = items / productive hours."""
    return lx.LX_THROUGHPUT(items, hours)


@func
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
