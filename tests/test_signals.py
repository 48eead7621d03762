"""Real signals to real builds: SIGTERM stops cleanly, SIGKILL takes its workers with it, and either way the
site is the previous one or the new one, never half, and the next build cleans up and succeeds."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, article

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, needs prctl")]

BODY = ("Lede {n} with *emphasis* and a [link](https://example.org/{n}).\n\n"
        "**Why it matters:** {word} matters because of {n}.\n\n"
        "**The big picture:**\n\n- one {word}\n- two {n}\n\n**What's next:** more {word}.\n")


def write_explainers(content: Path, count: int, word: str) -> None:
    for n in range(count):
        (content / f"e{n:04}.md").write_text(
            article(f"Explainer {n}", date="2024-01-01", category=f"C{n % 5}",
                    body=BODY.format(n=n, word=word)), encoding="utf-8")


def site_with(tmp_path: Path, count: int, word: str = "first") -> Path:
    (tmp_path / "content").mkdir()
    write_explainers(tmp_path / "content", count, word)
    return tmp_path


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=root, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=600)


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator", "build", *args], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"        # a zombie has finished; only its parent has not collected it yet


def wait_for(condition, timeout: float = 60, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


def kill_during_conversion(root: Path, signum: int, *args: str) -> tuple[subprocess.Popen, set[int]]:
    """Start a parallel build and signal it once its pool workers are converting."""
    build = start(root, "-j", "2", *args)
    workers = wait_for(lambda: children(build.pid) if len(children(build.pid)) >= 2 else None)
    build.send_signal(signum)
    build.wait(timeout=60)
    return build, workers


def assert_all_gone(workers: set[int]) -> None:
    try:
        wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10, step=0.05)
    except AssertionError:
        survivors = [pid for pid in workers if alive(pid)]
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"pool workers outlived the build: {survivors}") from None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signal_during_a_parallel_build_ends_its_workers_and_keeps_the_site(tmp_path, signum):
    root = site_with(tmp_path, 400)
    assert run(root, "-j", "2").returncode == 0
    before = files(root / "site")
    write_explainers(root / "content", 400, "second")          # every explainer converts again
    build, workers = kill_during_conversion(root, signum)
    assert_all_gone(workers)
    if signum == signal.SIGTERM:
        stderr = build.stderr.read()
        assert build.returncode == 143 and "stopped" in stderr and "Traceback" not in stderr, stderr
    assert files(root / "site") == before and leftovers(root) == []
    again = run(root, "-j", "2")
    assert again.returncode == 0, again.stderr
    assert "second" in (root / "site/e0007/index.html").read_text() and leftovers(root) == []


def test_a_killed_build_of_a_new_site_leaves_no_site_and_its_bodies_folder_is_removed(tmp_path):
    # From 2,000 conversions, bodies wait on disk until rendered: with --no-cache, in a folder of the build's.
    root = site_with(tmp_path, 2100)
    build = start(root, "-j", "2", "--no-cache")
    bodies = wait_for(lambda: [p for p in root.glob(".site.bodies-*") if any(p.iterdir())], timeout=120)
    workers = children(build.pid)
    build.kill()
    build.wait(timeout=60)
    assert_all_gone(workers)
    assert not (root / "site").exists() and all(p.is_dir() for p in bodies)
    again = run(root, "-j", "2", "--no-cache")
    assert again.returncode == 0, again.stderr
    assert leftovers(root) == [] and len(list((root / "site").glob("e*/index.html"))) == 2100


def test_kill_9_during_the_write_phase_of_a_full_build_leaves_the_old_site_or_the_new(tmp_path):
    root = site_with(tmp_path, 400)
    assert run(root, "--no-cache").returncode == 0
    old = files(root / "site")
    write_explainers(root / "content", 400, "second")
    assert run(root, "--no-cache", "--out", str(tmp_path / "reference")).returncode == 0
    new = files(tmp_path / "reference")
    for delay in (0, 0.02, 0.05, 0.1, 0.2, 0.4):
        build = start(root, "--no-cache")
        wait_for(lambda: any(any(p.iterdir()) for p in root.glob(".site.new-*")), timeout=120, step=0.001)
        time.sleep(delay)
        build.kill()
        build.wait(timeout=60)
        now = files(root / "site")
        assert now in (old, new), "a half-written site"
    finished = run(root, "--no-cache")
    assert finished.returncode == 0, finished.stderr
    assert files(root / "site") == new and leftovers(root) == []
