"""The exceptions labelxl raises when it is misused or cannot read its input.

Validation problems in a user's data are *findings* (see ``labelxl.model.findings``), not
exceptions. Exceptions are for input labelxl cannot work with at all, and for misuse of
the library API. The whole tree::

    LabelxlError                      every labelxl exception; catch this at a front door
    ├── WorkbookError (ValueError)    a file is not a readable workbook: not a workbook,
    │   │                             corrupt, encrypted, .xls, empty, hostile, too large
    │   └── WorkbookLockedError       the workbook is open in Excel/LibreOffice (PermissionError)
    ├── MissingSheetError (KeyError)  a sheet the command needs is in no workbook
    ├── SettingsError (ValueError)    a setting has a bad value or name (library/CLI use)
    ├── MetricInputError (ValueError) a metric got arguments it cannot compute from
    ├── TemplateError (ValueError)    a deck/workbook template lacks something it needs
    └── RefreshBlocked                refresh --strict refused to write: validation errors
"""

from __future__ import annotations


class LabelxlError(Exception):
    """Base class of every labelxl exception; its message is one line for the user."""


class WorkbookError(LabelxlError, ValueError):
    """A file cannot be read as a workbook."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class WorkbookLockedError(WorkbookError, PermissionError):
    """The workbook is open in another program, so labelxl will not write to it."""


class MissingSheetError(LabelxlError, KeyError):
    """A sheet that a command needs is not in any workbook of the workspace."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class SettingsError(LabelxlError, ValueError):
    """A setting has an unknown name or a value of the wrong kind."""


class MetricInputError(LabelxlError, ValueError):
    """A metric function got inputs it cannot compute from (e.g. unequal lengths)."""


class TemplateError(LabelxlError, ValueError):
    """A template (deck master or narrative) lacks a layout or placeholder it needs."""


class RefreshBlocked(LabelxlError):
    """``refresh --strict`` wrote nothing because validation found errors."""
