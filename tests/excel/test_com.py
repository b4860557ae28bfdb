"""Busy Excel: "Call was rejected by callee" is retried a bounded number of times."""

from __future__ import annotations

import pytest

from labelxl.excel import com, macros

from .fake_xlwings import FakeBook


def rejected() -> Exception:
    # what pywin32 raises: com_error(hresult, text, excepinfo, argerror); args[0] is the code
    return Exception(com.RPC_E_CALL_REJECTED, "Call was rejected by callee.", None, None)


class Flaky:
    def __init__(self, failures: int, error=rejected) -> None:
        self.failures, self.calls, self.error = failures, 0, error

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error()
        return "done"


def test_busy_calls_are_retried_with_growing_pauses() -> None:
    pauses: list[float] = []
    call = Flaky(failures=3)
    assert com.retry_busy(call, "reading", sleep=pauses.append) == "done"
    assert call.calls == 4 and pauses == [0.25, 0.5, 1.0]


def test_retries_are_bounded_and_end_in_one_clear_sentence() -> None:
    pauses: list[float] = []
    call = Flaky(failures=100)
    with pytest.raises(com.ExcelBusyError) as info:
        com.retry_busy(call, "opening the workbook", sleep=pauses.append)
    assert call.calls == com.ATTEMPTS and len(pauses) == com.ATTEMPTS - 1
    assert sum(pauses) < 10  # seconds, in the worst case
    message = str(info.value)
    assert "while opening the workbook" in message and "RPC_E_CALL_REJECTED" in message
    assert "Close any open dialog" in message


def test_other_errors_are_not_retried() -> None:
    call = Flaky(failures=1, error=lambda: ValueError("bad"))
    with pytest.raises(ValueError):
        com.retry_busy(call, "x", sleep=lambda s: None)
    assert call.calls == 1


def test_hresult_attribute_is_read_too() -> None:
    class ComError(Exception):
        hresult = com.RPC_E_SERVERCALL_RETRYLATER

    assert com.is_busy(ComError("retry later")) and not com.is_busy(RuntimeError("x"))


def test_button_retries_finding_its_workbook(monkeypatch, tmp_path) -> None:
    import xlwings as xw

    book = FakeBook(str(tmp_path / "empty.xlsm"))
    book.sheets.add("Start")
    attempts: list[int] = []

    def caller():
        attempts.append(1)
        if len(attempts) < 3:
            raise rejected()
        return book

    monkeypatch.setattr(xw.Book, "caller", staticmethod(caller))
    monkeypatch.setattr(com.time, "sleep", lambda s: None)
    macros.validate()
    assert len(attempts) == 3
    assert "no labelxl sheet" in book.app.alerts[0]  # it ran, and said what was wrong


def test_a_busy_error_during_the_work_is_one_sentence() -> None:
    message = macros.user_message(rejected())
    assert "Excel did not accept the call" in message and "Traceback" not in message
