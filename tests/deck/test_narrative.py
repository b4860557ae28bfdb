"""Narrative templates: sandboxed, strict, localised; typos name the file and line."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelxl.deck.narrative import Narrative, narrative_dir
from labelxl.deck.slides import SLIDES
from labelxl.errors import TemplateError
from labelxl.outputs.i18n import languages

NARRATED = (
    "kpis",
    "volume",
    "quality_trend",
    "quality_policy",
    "projects",
    "labelers",
    "capacity",
    "wellbeing",
    "risks",
)


@pytest.mark.parametrize("lang", languages())
def test_every_shipped_language_has_every_narrative_template(lang):
    for slide in NARRATED:
        assert (narrative_dir() / lang / f"{slide}.md.j2").is_file(), (lang, slide)
    assert set(NARRATED) <= {s.key for s in SLIDES}


def test_kpi_sentence_reads_like_a_manager_wrote_it():
    acc = {"value": 0.961, "ci_low": 0.957, "ci_high": 0.965, "target": 0.95}
    lines = Narrative("en").render(
        "kpis",
        month="2026-03",
        previous_month="2026-02",
        accuracy=acc,
        good=5,
        watch=1,
        bad=2,
        below=3,
        target=0.95,
        confidence=0.95,
    )
    assert lines[0] == (
        "- Accuracy was **96.1%** (95% CI 95.7%–96.5%), above the 95% target; "
        "3 labelers are below target with confidence."
    )
    zh = Narrative("zh").render(
        "kpis",
        month="2026-03",
        previous_month="2026-02",
        accuracy=acc,
        good=5,
        watch=1,
        bad=2,
        below=3,
        target=0.95,
        confidence=0.95,
    )
    assert "96.1%" in zh[0] and "高于" in zh[0] and "2026年2月" in zh[1]


@pytest.fixture
def edited(tmp_path):
    folder = tmp_path / "narrative"
    shutil.copytree(narrative_dir(), folder)
    return folder


def test_unknown_variable_names_file_and_line(edited):
    (edited / "en" / "projects.md.j2").write_text("Line one\n\n- {{ totl }} projects\n")
    with pytest.raises(TemplateError, match=r"projects\.md\.j2, line 3: 'totl' is undefined"):
        Narrative("en", edited).render("projects", total=3)


def test_syntax_error_names_file_and_line(edited):
    (edited / "en" / "projects.md.j2").write_text("ok\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"projects\.md\.j2, line 2"):
        Narrative("en", edited).render("projects", total=3)


def test_sandbox_blocks_python_internals(edited):
    (edited / "en" / "projects.md.j2").write_text("{{ total.__class__.__mro__ }}\n")
    with pytest.raises(TemplateError):
        Narrative("en", edited).render("projects", total=3)


def test_language_without_a_template_uses_english(edited):
    (edited / "zh" / "projects.md.j2").unlink()
    lines = Narrative("zh", edited).render(
        "projects", total=2, red=1, amber=0, green=1, red_names=["A"]
    )
    assert lines[0].startswith("- 2 projects")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_labeler_counts_appear_as_given(below, above, within, insufficient):
    total = below + above + within + insufficient
    text = "\n".join(
        Narrative("en").render(
            "labelers",
            total=total,
            below=below,
            above=above,
            within=within,
            insufficient=insufficient,
            min_sample=30,
            names=[],
            confidence=0.95,
        )
    )
    if total:
        assert f"Of {total} labelers, **{below} below target**, {above} above" in text
    else:
        assert text == ""
