import pytest

from labelxl.errors import SettingsError
from labelxl.model.settings import SETTING_FIELDS, Settings, coerce_setting, settings_from_pairs


def test_design_defaults():
    s = Settings()
    assert (s.max_hours_per_day, s.graphic_hours_per_day, s.confidence) == (12, 5, 0.95)
    assert (s.min_audit_sample, s.accuracy_target, s.hours_per_fte_week) == (30, 0.95, 40)
    assert s.target_occupancy == 0.85


def test_every_setting_documented():
    for name, (_default, doc) in Settings.docs().items():
        assert doc and name in SETTING_FIELDS


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("confidence", "90%", 0.9),
        ("Confidence", 0.9, 0.9),
        ("min audit sample", "50", 50),
        ("inspection_level", "iii", "III"),
        ("max_hours_per_day", " 10 ", 10.0),
    ],
)
def test_coerce(name, value, expected):
    assert coerce_setting(name, value) == expected


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("confidence", "high", "must be a number"),
        ("confidence", 1.5, "between"),
        ("min_audit_sample", 2.5, "whole number"),
        ("inspection_level", "IV", "I, II or III"),
        ("no_such_thing", 1, "unknown setting"),
        ("max_hours_per_day", float("nan"), "blank"),
    ],
)
def test_bad_values_raise_clear_errors(name, value, fragment):
    with pytest.raises(SettingsError, match=fragment):
        coerce_setting(name, value)


def test_from_pairs_builds_typed_settings():
    s = settings_from_pairs({"graphic_hours_per_day": "4", "min_audit_sample": 40})
    assert s.graphic_hours_per_day == 4.0 and s.min_audit_sample == 40
    assert s.severity_weights() == {"Critical": 5.0, "Major": 2.0, "Minor": 1.0}
