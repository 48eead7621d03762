"""How the `explainer` process ends: a successful build or check exits at once, without the interpreter's
teardown, and with everything written (site, cache, what it printed); so does a command that failed or was
stopped, and the preview (tests/test_user_errors.py: a process pool stopped mid-reply would hold the teardown for
ever); any other successful command exits the normal way."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, article

# Runs the command as the console script does, with an object whose finalizer says when Python tears down.
SCRIPT = """
import sys
from generator import cli

class Teardown:
    def __del__(self):
        sys.stderr.write("interpreter teardown\\n")

marker = Teardown()
sys.argv = ["explainer", *sys.argv[1:]]
cli.console()
"""


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    # Output to a pipe is buffered (as in CI logs) unless PYTHONUNBUFFERED says otherwise: not here.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=root, capture_output=True, text=True,
                          env=dict(env, PYTHONPATH=str(REPO)), timeout=300)


def site(tmp_path: Path, count: int = 12) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    for n in range(count):
        (content / f"e{n}.md").write_text(article(f"Explainer {n}", body=f"Lede {n}.\n\n**Why it matters:** x.\n"),
                                         encoding="utf-8")
    return tmp_path


def test_a_successful_build_ends_without_teardown_with_the_site_the_cache_and_its_summary_written(tmp_path):
    root = site(tmp_path)
    done = run(root, "build", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert "interpreter teardown" not in done.stderr           # the fast way out
    assert done.stdout.startswith("Built 12 explainers") and done.stdout.endswith("index.html)\n")
    assert (root / "site" / "e11" / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".site")) == []   # no staging left
    again = run(root, "build")                 # the cache was saved: nothing to do
    assert again.returncode == 0 and ": 0 files written, " in again.stdout, again.stdout


def test_a_failed_build_ends_at_once_with_its_errors_printed_and_other_commands_exit_the_normal_way(tmp_path):
    root = site(tmp_path, count=2)
    (root / "content" / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    failed = run(root, "build")
    assert failed.returncode == 1 and "broken.md:2" in failed.stderr
    assert "interpreter teardown" not in failed.stderr
    (root / "content" / "broken.md").unlink()
    created = run(root, "new", "A new one")
    assert created.returncode == 0 and "interpreter teardown" in created.stderr


def test_a_successful_check_ends_without_teardown_with_its_findings_printed(tmp_path):
    root = site(tmp_path, count=2)
    checked = run(root, "check")
    assert checked.returncode == 0, checked.stderr
    assert "interpreter teardown" not in checked.stderr
    assert checked.stdout.startswith("content/e0.md:2: warning: metadata/summary: ")
    assert checked.stdout.endswith("Checked 2 explainers and 4 pages: 0 errors, 4 warnings.\n"), checked.stdout


def test_a_profiled_build_exits_the_normal_way_so_the_profile_is_written(tmp_path):
    root = site(tmp_path, count=2)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(tmp_path / "build.prof"), "-m", "generator",
                           "build"], cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "build.prof").stat().st_size > 0


def test_the_in_process_cli_returns_after_a_build(cli, tmp_path):
    site(tmp_path, count=1)
    assert cli("build").code == 0          # returned: the tests' runner is never ended by a build
