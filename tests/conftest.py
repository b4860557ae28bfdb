"""Shared test set-up: hypothesis profiles."""

import os

from hypothesis import settings

# CI runs the same examples every time (derandomize), so a landing is decided by the code
# and not by luck; developers' runs stay random and keep finding new counterexamples.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
