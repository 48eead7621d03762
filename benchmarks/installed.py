"""Measure explainer as pip installs it: with its modules compiled to bytecode.

`pip install` compiles every module it installs, so a user's build never compiles Python source. A checkout
run in place does, on every start, when bytecode is not written (PYTHONDONTWRITEBYTECODE, a read-only tree):
about 0.1 s per process for the package's own modules, which a benchmark would count as build time.
"""
from __future__ import annotations

import compileall
from pathlib import Path


def compile_package(checkout: Path) -> None:
    """Write `checkout`'s generator/ bytecode into its __pycache__ folders, as pip does when installing."""
    compileall.compile_dir(str(checkout / "generator"), quiet=1)
