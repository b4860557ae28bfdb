"""Settings: one typed value with documented defaults, read at the doors and passed to the core."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any

from labelxl.errors import SettingsError
from labelxl.model.findings import BAD_SETTING, ERROR_VALUE, UNKNOWN_SETTING, Finding, sheet_ref
from labelxl.model.sheet import ROW, SheetData


def _setting(
    default: Any, doc: str, minimum: float | None = None, maximum: float | None = None
) -> Any:
    return field(default=default, metadata={"doc": doc, "min": minimum, "max": maximum})


@dataclass(frozen=True)
class Settings:
    """Targets and caps. Every field is a setting name in the Settings sheet."""

    max_hours_per_day: float = _setting(12.0, "Most hours one person may log in a day.", 0, 24)
    max_hours_per_week: float = _setting(
        60.0, "Most hours one person may log in an ISO week.", 0, 168
    )
    graphic_hours_per_day: float = _setting(
        5.0, "Cap on hours per person per day on graphic projects.", 0, 24
    )
    graphic_hours_per_week: float = _setting(
        20.0, "Cap on hours per person per ISO week on graphic projects.", 0, 168
    )
    graphic_max_consecutive_days: int = _setting(
        5, "Most consecutive days one person may work graphic queues.", 1, 31
    )
    wellness_hours_per_week: float = _setting(
        1.0, "Wellness hours per week the policy expects for people on graphic queues.", 0, 40
    )
    confidence: float = _setting(0.95, "Confidence level of intervals (0.80–0.999).", 0.5, 0.9999)
    min_audit_sample: int = _setting(
        30, "Fewest audits before an accuracy is ranked or flagged.", 1, 100000
    )
    accuracy_target: float = _setting(
        0.95, "Accuracy target where a project has no target_accuracy.", 0, 1
    )
    audit_margin: float = _setting(
        0.03, "Margin of error (± fraction) the audit sampling plan aims for.", 0.001, 0.5
    )
    aql: float = _setting(
        1.0,
        "Acceptable quality level (% defective) for vendor lot sampling (ANSI/ASQ Z1.4).",
        0.065,
        10,
    )
    inspection_level: str = _setting("II", "Z1.4 general inspection level: I, II or III.")
    severity_weight_critical: float = _setting(
        5.0, "Weight of a Critical error in the severity-weighted score.", 0
    )
    severity_weight_major: float = _setting(
        2.0, "Weight of a Major error in the severity-weighted score.", 0
    )
    severity_weight_minor: float = _setting(
        1.0, "Weight of a Minor error in the severity-weighted score.", 0
    )
    hours_per_fte_week: float = _setting(40.0, "Paid hours of one full-time person a week.", 1, 80)
    target_occupancy: float = _setting(
        0.85, "Share of productive time spent handling items (capacity planning).", 0.1, 1
    )
    planned_shrinkage: float = _setting(
        0.30,
        "Share of paid time not available for production, used when the timesheet "
        "cannot tell (capacity planning).",
        0,
        0.95,
    )
    service_level_target: float = _setting(
        0.80, "Share of realtime items to answer within service_level_seconds.", 0.01, 0.9999
    )
    service_level_seconds: float = _setting(
        3600.0, "Answer-time target for realtime queues, seconds.", 1
    )
    implausible_speed_factor: float = _setting(
        3.0,
        "An entry is implausibly fast when items per handle hour exceed this multiple "
        "of the project's norm.",
        1.1,
    )
    timesheet_tolerance_hours: float = _setting(
        1.0,
        "Allowed gap between timesheet Labeling hours and Production handle time per "
        "person and day.",
        0,
    )
    sla_target: float = _setting(0.95, "Share of items to finish within the project's SLA.", 0, 1)
    hiring_conversion: float = _setting(
        0.0, "Applicants needed per hire; 0 = measure from the Hiring sheet.", 0
    )
    pseudonym_secret: str = _setting(
        "", "Secret that keys stable pseudonyms; labelxl creates one when blank."
    )
    decimal_separator: str = _setting(
        "auto",
        "Decimal mark of numbers typed as text: . or , (auto = the Roster markets' "
        "locale, else .).",
    )
    date_order: str = _setting(
        "auto",
        "Order of dd/mm dates typed as text: DMY, MDY or YMD (auto = the Roster "
        "markets' locale; else such dates are findings).",
    )
    language: str = _setting(
        "en", "Language of the LX sheets and the deck: en or zh (the deck's --lang wins)."
    )

    @classmethod
    def docs(cls) -> dict[str, tuple[Any, str]]:
        """Name → (default, meaning) for every setting, in declaration order."""
        return {f.name: (f.default, f.metadata["doc"]) for f in fields(cls)}

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def severity_weights(self) -> dict[str, float]:
        return {
            "Critical": self.severity_weight_critical,
            "Major": self.severity_weight_major,
            "Minor": self.severity_weight_minor,
        }


SETTING_FIELDS = {f.name: f for f in fields(Settings)}


# Text settings with a fixed list of values: name → {folded spelling: value}.
_CHOICES: dict[str, dict[str, str]] = {
    "inspection_level": {"i": "I", "ii": "II", "iii": "III"},
    "decimal_separator": {
        ".": ".",
        ",": ",",
        "point": ".",
        "dot": ".",
        "comma": ",",
        "auto": "auto",
    },
    "date_order": {"dmy": "DMY", "mdy": "MDY", "ymd": "YMD", "auto": "auto"},
    "language": {"en": "en", "english": "en", "zh": "zh", "chinese": "zh", "中文": "zh"},
}


def coerce_setting(name: str, value: Any, decimal: str = ".") -> Any:
    """Turn a cell value into the setting's type; raise SettingsError with a fix-it message.

    Numbers typed as text are read like any cell (``0,95`` with decimal comma, ``95%``);
    ``decimal`` is the workspace's decimal separator.
    """
    from labelxl.model.cells import clean, parse_number

    key = str(name).strip().lower().replace(" ", "_")
    if key not in SETTING_FIELDS:
        known = ", ".join(list(SETTING_FIELDS)[:6])
        raise SettingsError(f"unknown setting {name!r}; known settings include {known}, …")
    f = SETTING_FIELDS[key]
    kind = type(f.default)
    if kind is str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None or value != value else str(value).strip()
        choices = _CHOICES.get(key)
        if choices is None:
            return text
        if not text and f.default == "auto":
            return "auto"  # blank means "work it out" (see the setting's doc)
        if clean(text).casefold() not in choices:
            names = list(dict.fromkeys(choices.values()))
            shown = ", ".join(names[:-1]) + " or " + names[-1]
            raise SettingsError(f"{key} must be {shown} (got {value!r})")
        return choices[clean(text).casefold()]
    if isinstance(value, bool):
        raise SettingsError(f"{key} must be a number (got {'TRUE' if value else 'FALSE'})")
    if isinstance(value, str):
        parsed = parse_number(value, decimal, percent=True) if value.strip() else None
        if parsed is None or not isinstance(parsed, float):
            raise SettingsError(f"{key} must be a number (got {value!r})")
        number = parsed
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{key} must be a number (got {value!r})") from None
    if number != number:  # NaN
        raise SettingsError(f"{key} must be a number (got blank)")
    lo, hi = f.metadata["min"], f.metadata["max"]
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise SettingsError(f"{key} must be between {lo} and {hi} (got {value!r})")
    if kind is int:
        if number != int(number):
            raise SettingsError(f"{key} must be a whole number (got {value!r})")
        return int(number)
    return number


def settings_from_pairs(pairs: dict[str, Any]) -> Settings:
    """Build Settings from name → value pairs; raises SettingsError on the first bad one."""
    return Settings(
        **{k.strip().lower().replace(" ", "_"): coerce_setting(k, v) for k, v in pairs.items()}
    )


def _key(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_")


def convention_settings(sheet: SheetData | None) -> tuple[str, str]:
    """(decimal_separator, date_order) as the Settings sheet gives them; "auto" when unusable.

    Read before anything else is typed, since they say how the other cells read; a bad
    value is reported by ``read_settings``.
    """
    found = {"decimal_separator": "auto", "date_order": "auto"}
    if sheet is None:
        return found["decimal_separator"], found["date_order"]
    frame = sheet.frame
    for name, value in zip(frame.get("setting", []), frame.get("value", []), strict=False):
        key = _key(name) if name is not None else ""
        if key in found:
            with contextlib.suppress(SettingsError):
                found[key] = coerce_setting(key, value)
    return found["decimal_separator"], found["date_order"]


def read_settings(sheet: SheetData, decimal: str = ".") -> tuple[Settings, list[Finding]]:
    """Settings from the Settings sheet; unknown names and bad values become findings.

    ``decimal`` is the workspace's decimal separator (numbers typed as text). A value
    cell holding an Excel error is an ``error-value`` finding naming the default used.
    """
    findings: list[Finding] = []
    where = sheet_ref(sheet.sheet_name)
    values: dict[str, Any] = {}
    frame = sheet.frame
    for name, value, row in zip(
        frame.get("setting", []), frame.get("value", []), frame[ROW], strict=False
    ):
        if name is None:
            continue
        key = _key(name)
        cell_name = sheet.cell("setting", int(row))
        if key not in SETTING_FIELDS:
            findings.append(
                Finding(
                    UNKNOWN_SETTING,
                    sheet.sheet_name,
                    cell_name,
                    f"{where}!{cell_name}: {str(name)[:40]!r} is not a labelxl setting and is "
                    f"ignored. Check the spelling against the docs' settings list.",
                    column="setting",
                    value=str(name),
                    workbook=sheet.workbook,
                )
            )
            continue
        cell_value = sheet.cell("value", int(row))
        default = SETTING_FIELDS[key].default
        error = sheet.errors.get(cell_value)
        if error is not None:
            got = error if not error.startswith("=") else "a formula with no calculated value"
            fix = (
                "open and save the workbook in Excel (or recalculate it)"
                if error.startswith("=")
                else "fix the formula or type the value"
            )
            findings.append(
                Finding(
                    ERROR_VALUE,
                    sheet.sheet_name,
                    cell_value,
                    f"{where}!{cell_value}: {key} has no value (got {got}). The default "
                    f"{default!r} is used until it is fixed: {fix}."[:254],
                    column="value",
                    value=error,
                    workbook=sheet.workbook,
                )
            )
            continue
        try:
            values[key] = coerce_setting(key, value, decimal)
        except SettingsError as exc:
            findings.append(
                Finding(
                    BAD_SETTING,
                    sheet.sheet_name,
                    cell_value,
                    f"{where}!{cell_value}: {exc}. The default {default!r} is used until it "
                    f"is fixed.",
                    column="value",
                    value=_plain(value),
                    workbook=sheet.workbook,
                )
            )
    return Settings(**values), findings


def _plain(value: object) -> object:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as the cell shows it in Excel
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return str(value)
