import ast
import re
from pathlib import Path

import pytest

from labelxl.model import findings
from labelxl.model.findings import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "findings.md"
PACKAGE = ROOT / "labelxl"
# Calls whose first argument is a finding code (Problem: a cell reading's code, later a Finding).
EMITTERS = {"Finding", "emit", "Problem"}
# The declared code constants (HOURS_OVER_CAP = "hours-over-cap"): name -> code.
CONSTANTS = {
    name: value
    for name, value in vars(findings).items()
    if name.isupper() and isinstance(value, str) and name == value.upper().replace("-", "_")
}


def _sections() -> dict[str, str]:
    """Code → text of its ``### `code` `` section in docs/findings.md."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^### `([^`]+)`\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _codes_emitted(path: Path) -> set[str]:
    """Codes passed as the first argument of Finding(...) or emit(...): literals or constants.

    A constant's name resolves to its code; an upper-case name that is not a declared code
    constant is kept as its name, so the catalogue checks below fail on it.
    """
    codes = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        first = node.args[0]
        if name not in EMITTERS:
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            codes.add(first.value)
        constant = getattr(first, "id", getattr(first, "attr", None))
        if isinstance(first, (ast.Name, ast.Attribute)) and str(constant).isupper():
            codes.add(CONSTANTS.get(str(constant), str(constant)))
    return codes


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_a_section_with_its_severity_and_an_example(code):
    sections = _sections()
    assert code in sections, f"docs/findings.md has no section for {code}"
    body = sections[code]
    assert f"**Severity:** {CATALOGUE[code].severity}" in body
    assert f"**Kind:** {CATALOGUE[code].kind}" in body
    assert "Example: `" in body and "How to fix:" in body


def test_catalogue_table_lists_every_code_with_its_severity():
    rows = re.findall(
        r"^\| `([a-z-]+)` \| (\w+) \| (\w+) \|$",
        DOCS.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert sorted(rows) == sorted((c, r.severity, r.kind) for c, r in CATALOGUE.items())


def test_docs_document_no_code_outside_the_catalogue():
    assert set(_sections()) <= set(CATALOGUE)


def test_example_messages_fit_a_cell():
    for body in _sections().values():
        for example in re.findall(r"^Example: `([^`]+)`", body, flags=re.MULTILINE):
            assert len(example) < 255, example


def test_validate_uses_only_catalogue_codes():
    used: set[str] = set()
    for path in (PACKAGE / "validate").rglob("*.py"):
        used |= _codes_emitted(path)
    assert len(used) >= 20  # the scan finds the codes; an empty set would pass vacuously
    assert used <= set(CATALOGUE), sorted(used - set(CATALOGUE))


def test_every_catalogue_code_is_emitted_somewhere():
    used: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        used |= _codes_emitted(path)
    assert set(CATALOGUE) <= used, sorted(set(CATALOGUE) - used)


def test_code_constants_match_the_catalogue():
    assert set(CONSTANTS.values()) == set(CATALOGUE)
    assert len(CONSTANTS) == len(CATALOGUE)
