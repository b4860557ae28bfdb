"""README examples run, and the test command CI runs is the one the README shows."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_ci_runs_the_readme_test_command():
    shown = re.search(r"&& (python -m pytest)\n", README)
    assert shown
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert shown.group(1) in [line.strip() for line in ci]


def test_first_command_installs_and_runs_the_demo():
    first = re.search(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert first and "pip install" in first.group(1) and "labelxl demo" in first.group(1)
