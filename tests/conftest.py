"""Shared fixtures: tiny sites built from a dict of files, and a runner for the real CLI."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO / "content"


@dataclass
class Site:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def out(self) -> Path:
        return self.root / "site"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.content / rel if not rel.startswith("/") else self.root / rel[1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n") if text.startswith("\n") else text,
                            encoding="utf-8")
        return path

    def page(self, rel: str) -> str:
        return (self.out / rel).read_text(encoding="utf-8")


@pytest.fixture
def make_site(tmp_path):
    """make_site({"a/index.md": "..."}) → a Site whose content/ holds those files."""
    def make(files: dict[str, str | bytes]) -> Site:
        site = Site(tmp_path)
        site.content.mkdir(parents=True, exist_ok=True)
        for rel, text in files.items():
            site.write(rel, text)
        return site
    return make


@dataclass
class Result:
    code: int
    out: str
    err: str


def _runner(default_cwd: Path):
    def run(*args: str, cwd: Path | None = None, check: bool = False) -> Result:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd or default_cwd,
                              capture_output=True, text=True, env=env, timeout=300)
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"explainer {' '.join(args)} failed: {proc.stderr}")
        return result
    return run


@pytest.fixture
def explainer(tmp_path):
    """Run the real `explainer` CLI in a subprocess, in the test's folder unless `cwd` is given."""
    return _runner(tmp_path)


@pytest.fixture(scope="module")
def explainer_module(tmp_path_factory):
    return _runner(tmp_path_factory.mktemp("cli"))


def article(title: str = "A title", date: str = "2024-01-02", body: str = "Lede.\n", **fields: str) -> str:
    """An explainer's Markdown with front matter."""
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}"
