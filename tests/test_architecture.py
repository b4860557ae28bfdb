"""The core stays pure: only the front doors import Excel, PowerPoint, template or CLI libraries."""

import ast
from pathlib import Path

import labelxl

PACKAGE = Path(labelxl.__file__).parent
DOORS = {"cli.py", "excel", "deck"}
FORBIDDEN = {"xlwings", "pptx", "click", "jinja2"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def core_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in DOORS]


def test_core_modules_import_no_front_door_library():
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imports(p) & FORBIDDEN)
        for p in core_modules()
        if _imports(p) & FORBIDDEN
    }
    assert offenders == {}


def test_the_check_sees_the_core():
    names = {p.name for p in core_modules()}
    assert {"quality.py", "bundle.py", "agreement.py", "workspace.py"} <= names
    assert "cli.py" not in names
