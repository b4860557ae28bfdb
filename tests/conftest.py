"""Shared test set-up: hypothesis profiles."""

import os

import pytest
from hypothesis import settings

# CI runs the same examples every time (derandomize), so a landing is decided by the code
# and not by luck; developers' runs stay random and keep finding new counterexamples.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _own_result_key(tmp_path_factory, monkeypatch):
    """The results' signing key of a test run lives in a temporary folder, not in ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
