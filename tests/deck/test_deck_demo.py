"""The deck of a real demo workspace: read → validate → compute → build, secret kept."""

from __future__ import annotations

import os
import stat

import pytest
from pptx import Presentation

from labelxl.deck import SECRET_FILE, build_deck_for_workspace, workspace_secret
from labelxl.demo import generate_demo, write_demo

from .test_deck_build import all_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, people=24, months=2, seed=5)
    return folder


def test_demo_deck_is_pseudonymised_with_the_settings_secret(demo):
    out = build_deck_for_workspace(demo, pseudonymise=True, audience="team")
    assert out.parent == demo and out.name.startswith("labelxl-deck-")
    assert not (demo / SECRET_FILE).exists()  # the demo's Settings sheet has a secret
    roster = generate_demo(people=24, months=2, seed=5).frames["Roster"]
    text = all_text(out)
    leaks = [w for w in [*roster["name"], *roster["person_id"]] if str(w) in text]
    assert leaks == []
    assert len(Presentation(str(out)).slides) >= 12

    again = build_deck_for_workspace(
        demo, audience="business", output=demo / "second.pptx", lang="zh"
    )
    assert again.name == "second.pptx" and len(Presentation(str(again)).slides) >= 10


def test_workspace_secret_is_private_and_reused(tmp_path):
    first = workspace_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32
    assert workspace_secret(tmp_path) == first  # next month: same secret, same pseudonyms


def test_rag_reasons_are_translated_in_a_chinese_deck(demo):
    from labelxl.io.reader import read_workspace
    from labelxl.metrics import compute

    projects = compute(read_workspace(demo)).projects
    fired = projects[projects["rag_codes"] != ""]
    assert len(fired), "the demo should have at least one project off Green"
    out = build_deck_for_workspace(demo, output=demo / "zh.pptx", lang="zh")
    text = all_text(out)
    english = [r for r in fired["reasons"] for part in r.split("; ") if part in text]
    assert english == []
    assert "目标" in text or "计划" in text or "截止" in text
