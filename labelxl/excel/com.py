"""Talking to a live Excel through xlwings: bounded retries when Excel rejects a call.

Excel answers COM calls from another process only when it is idle; while a dialog is open,
a cell is being edited or it is still starting, the call fails with "Call was rejected by
callee" (``RPC_E_CALL_REJECTED``) or "retry later". Those are retried a bounded number of
times with a growing pause, then reported as one sentence saying what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from labelxl.errors import LabelxlError

T = TypeVar("T")

RPC_E_CALL_REJECTED = -2147418111  # 0x80010001 "Call was rejected by callee."
RPC_E_SERVERCALL_RETRYLATER = -2147417846  # 0x8001010A "The message filter indicated…"
VBA_E_IGNORE = -2146777998  # 0x800AC472 Excel busy (what xlwings' UDF server also retries)
BUSY_CODES = frozenset({RPC_E_CALL_REJECTED, RPC_E_SERVERCALL_RETRYLATER, VBA_E_IGNORE})
ATTEMPTS = 6
FIRST_PAUSE = 0.25  # seconds; doubles each time: 0.25 + 0.5 + … ≈ 8 s in all


class ExcelBusyError(LabelxlError):
    """Excel kept rejecting calls (a dialog open, a cell in edit mode, still starting)."""


def com_code(exc: BaseException) -> int | None:
    """The HRESULT of a COM error (``pywintypes.com_error.hresult`` or its first argument)."""
    code = getattr(exc, "hresult", None)
    if code is None and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
    return code if isinstance(code, int) else None


def is_busy(exc: BaseException) -> bool:
    return com_code(exc) in BUSY_CODES


def busy_message(what: str) -> str:
    return (
        f"Excel did not accept the call while {what} (call rejected by callee, "
        f"RPC_E_CALL_REJECTED) after {ATTEMPTS} tries. Close any open dialog, press Esc "
        "to leave a cell you are editing, and try again."
    )


def retry_busy(
    call: Callable[[], T],
    what: str,
    *,
    attempts: int = ATTEMPTS,
    pause: float = FIRST_PAUSE,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``, retried while Excel rejects it as busy; other errors pass through at once."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as exc:
            if not is_busy(exc):
                raise
            if attempt == attempts:
                raise ExcelBusyError(busy_message(what)) from exc
            sleep(pause * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # pragma: no cover
