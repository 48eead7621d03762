"""Shared fixtures: tiny sites built from a dict of files, runners for the real CLI (in this process or in a
subprocess), photo-like images, the sample site built once, and a check that tests write nothing into the repo."""
from __future__ import annotations

import gc
import io
import os
import random
import shutil
import signal
import stat
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


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run `explainer` in this process: the same Result as `explainer`, without starting Python again.

    For tests that need no process of their own (no signals, no install, no server, no start-up timing).
    What the CLI changes process-wide is put back after each call: the folder, signal handlers, the gc.
    """
    from generator import cli as cli_module

    def run(*args: str, cwd: Path | None = None, check: bool = False) -> Result:
        before = os.getcwd()
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        capsys.readouterr()
        monkeypatch.chdir(cwd or tmp_path)
        try:
            code = cli_module.main([str(arg) for arg in args])
        except SystemExit as exit:     # argparse: --help, --version, a bad option
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        finally:
            gc.enable()                # in case a stage left the collector paused
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            monkeypatch.chdir(before)
        captured = capsys.readouterr()
        result = Result(code, captured.out, captured.err)
        if check and code != 0:
            raise AssertionError(f"explainer {' '.join(map(str, args))} failed: {captured.err}")
        return result
    return run


def photo(width: int = 640, height: int = 480, fmt: str = "JPEG", seed: int = 1) -> bytes:
    """A photo-like image (smooth gradients plus grain, so it compresses like a photo, not like a flat fill)."""
    from PIL import Image, ImageFilter
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3)).resize((width, height), Image.BICUBIC)
    grain = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    image = Image.blend(small, grain.filter(ImageFilter.GaussianBlur(1)), 0.15)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buffer.getvalue()


@pytest.fixture
def make_photo():
    """make_photo(width, height, fmt="JPEG"|"PNG", seed=1) → the bytes of a photo-like image."""
    return photo


SAMPLE_AS_OF = "2026-01-01T00:00:00+00:00"   # the moment the golden pages were built at


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory) -> Path:
    """The repo's sample site, built once per session from a copy of content/ (its cache stays out of the repo),
    as of SAMPLE_AS_OF. For tests that only read it: never change what is in it."""
    if not (SAMPLE_CONTENT / "site.yml").is_file():
        pytest.fail(f"no sample site in {SAMPLE_CONTENT}")
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE_CONTENT, root / "content")
    proc = subprocess.run([sys.executable, "-m", "generator", "build", "--content", "content", "--out", "site",
                           "--as-of", SAMPLE_AS_OF], cwd=root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
    assert proc.returncode == 0, proc.stderr
    return root / "site"


def sample_copy(folder: Path) -> Path:
    """A copy of the sample content in `folder` (builds of it keep their cache there, not in the repo)."""
    shutil.copytree(SAMPLE_CONTENT, folder / "content")
    return folder / "content"


# ---------------------------------------------------------------- tests write nothing into the repository

_UNTRACKED_OK = (".venv/", "node_modules/", "__pycache__/", ".pytest_cache/")


def _repo_status() -> set[str] | None:
    try:
        proc = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None    # not a git checkout (an unpacked sdist): nothing to compare
    # New files only ("??" untracked, "!!" ignored): edits to tracked files while the tests run are the developer's.
    return {line for line in proc.stdout.splitlines()
            if line[:2] in ("??", "!!") and not any(part in line for part in _UNTRACKED_OK)}


@pytest.fixture(scope="session", autouse=True)
def repository_stays_clean():
    """Fail the run when the tests left files in the repository (a cache, a site, a stray output)."""
    before = _repo_status()
    yield
    after = _repo_status()
    if before is None or after is None:
        return
    gained = sorted(after - before)
    if gained:
        pytest.fail("the tests wrote into the repository (use tmp_path, or copy the sample content with "
                    "sample_copy()):\n  " + "\n  ".join(gained), pytrace=False)


def article(title: str = "A title", date: str = "2024-01-02", body: str = "Lede.\n", **fields: str) -> str:
    """An explainer's Markdown with front matter."""
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}"


@pytest.fixture(scope="session", autouse=True)
def code_readable_by_other_users():
    """Tests that drop root (permissions mean nothing to root) run this checkout's code as `nobody`: open the
    way to it for the session when the clone sits in a private folder (a CI clone in a 0700 temp folder),
    and put every mode back afterwards."""
    changed: list[tuple[Path, int]] = []
    if os.geteuid() == 0:
        for folder in [REPO, *REPO.parents]:
            mode = folder.stat().st_mode
            wanted = mode | stat.S_IXOTH | (stat.S_IROTH if folder == REPO else 0)
            if wanted != mode:
                folder.chmod(stat.S_IMODE(wanted))
                changed.append((folder, stat.S_IMODE(mode)))
    yield
    for folder, mode in reversed(changed):
        folder.chmod(mode)
