"""The layers stay layers: doors → pipeline → {io, validate, metrics, outputs} → model/stats.

- The core imports no front-door library (Excel, PowerPoint, templates, CLI).
- Lower layers never import higher ones: model/stats import nothing of labelxl above them;
  metrics and validate never import io (only io touches files), the pipeline or a door
  (metrics may call validate: ``compute`` validates when it is given no report).
"""

import ast
from pathlib import Path

import labelxl

PACKAGE = Path(labelxl.__file__).parent
DOORS = {"cli.py", "excel", "deck", "demo", "imports", "lite"}
DOOR_FILES = {"engines/cli.py"}  # the `report` command, registered by cli.py
FORBIDDEN = {"xlwings", "pptx", "click", "jinja2"}

# What each layer may import from labelxl (besides itself and labelxl.errors).
LAYERS = {
    "stats": set(),
    "model": {"stats"},
    "metrics": {"model", "stats", "validate"},  # compute() validates when given no report
    "validate": {"model", "stats"},
    "outputs": {"model", "stats", "metrics", "io"},
    "io": {"model", "stats"},
    "pipeline.py": {"model", "stats", "metrics", "validate", "outputs", "io", "deck"},
    # engines run the pipeline over tables on pandas/DuckDB/Spark (they read tables too)
    "engines": {"model", "stats", "metrics", "validate", "outputs", "io", "pipeline.py"},
}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names), anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


def _labelxl_layers(names: set[str]) -> set[str]:
    """The top-level labelxl parts imported (``labelxl.metrics.quality`` → ``metrics``)."""
    out = set()
    for name in names:
        parts = name.split(".")
        if parts[0] == "labelxl" and len(parts) > 1:
            top = parts[1]
            out.add(f"{top}.py" if (PACKAGE / f"{top}.py").is_file() else top)
    return out - {"errors.py", "__version__"}


def core_modules() -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if _layer(p) not in DOORS and p.relative_to(PACKAGE).as_posix() not in DOOR_FILES
    ]


def test_core_modules_import_no_front_door_library():
    offenders = {
        str(p.relative_to(PACKAGE)): sorted({n.split(".")[0] for n in _imports(p)} & FORBIDDEN)
        for p in core_modules()
        if {n.split(".")[0] for n in _imports(p)} & FORBIDDEN
    }
    assert offenders == {}


def test_the_check_sees_the_core():
    names = {p.name for p in core_modules()}
    assert {"bundle.py", "agreement.py", "workspace.py", "pipeline.py"} <= names
    assert "cli.py" not in names


def test_each_layer_imports_only_the_layers_below_it():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        layer = _layer(path)
        if layer not in LAYERS:
            continue
        above = _labelxl_layers(_imports(path)) - LAYERS[layer] - {layer}
        if above:
            offenders[str(path.relative_to(PACKAGE))] = sorted(above)
    assert offenders == {}


def test_the_layer_check_would_catch_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from labelxl.io.reader import read_workspace\n", encoding="utf-8")
    assert _labelxl_layers(_imports(bad)) - LAYERS["metrics"] == {"io"}


# Only io touches the file system: the layers below the pipeline neither open files nor
# import the modules that do; they get paths and bytes through labelxl.io.
NO_FILES = ("model", "metrics", "stats", "validate", "outputs")
FILE_CALLS = {"read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink",
              "rmtree", "to_parquet", "read_parquet", "ZipFile"}  # fmt: skip
FILE_MODULES = {"zipfile", "shutil", "tempfile"}


def _file_access(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "open":
                found.append(f"open() line {node.lineno}")
            elif isinstance(f, ast.Attribute) and f.attr in FILE_CALLS:
                found.append(f".{f.attr}() line {node.lineno}")
    found += sorted(n for n in _imports(path) if n.split(".")[0] in FILE_MODULES)
    return found


def test_only_io_touches_files():
    offenders = {
        str(p.relative_to(PACKAGE)): _file_access(p)
        for p in PACKAGE.rglob("*.py")
        if _layer(p) in NO_FILES and _file_access(p)
    }
    assert offenders == {}


def test_the_file_check_would_catch_an_open(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import zipfile\nopen('x').read()\n", encoding="utf-8")
    assert _file_access(bad) == ["open() line 2", "zipfile"]


MAX_LINES = 600  # "~500": a module past this is two modules


def test_no_module_is_too_long_to_read_in_one_sitting():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
