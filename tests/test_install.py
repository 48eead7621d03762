"""Installing explainer as the README says: `pip install .` into a fresh virtual environment, the README's first
line in a fresh clone (also where the system's pip refuses to install, PEP 668), and pipx."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, sample_copy
from generator import __version__

EXTERNALLY_MANAGED = "EXTERNALLY-MANAGED"


def snapshot_of_checkout(dest: Path) -> Path:
    """A fresh clone of this checkout as it is now, uncommitted edits included: its files (tracked, and
    untracked but not ignored) committed to a new repository at `dest`, tagged with this version's release tag.
    """
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file() or source.is_symlink():       # a tracked file deleted in the work tree is left out
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel, follow_symlinks=False)
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], cwd=dest, check=True)
    subprocess.run(["git", "tag", f"v{__version__}"], cwd=dest, check=True)
    return dest


def externally_managed_python(dest: Path) -> Path:
    """A Python installation like Debian's, marked as PEP 668 says: an EXTERNALLY-MANAGED file in its stdlib folder.

    pip ignores the mark inside a virtual environment (PEP 668: installers don't look in a venv), so this is not a
    venv but an installation of its own: a copy of this interpreter's executable in `dest/bin`, its standard
    library linked into `dest/lib/pythonX.Y` (which Python finds as its prefix), an empty site-packages with pip
    unpacked from ensurepip's wheel. Returns the bin folder, holding `python3`.
    """
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    base_stdlib = Path(sysconfig.get_path("stdlib"))         # in a venv too, the installation's own
    stdlib = dest / "lib" / version
    (stdlib / "site-packages").mkdir(parents=True)
    for library in Path(sysconfig.get_config_var("LIBDIR") or "/nonexistent").glob("libpython*"):
        (dest / "lib" / library.name).symlink_to(library)     # for an executable that finds it beside itself
    for entry in base_stdlib.iterdir():
        if entry.name not in ("site-packages", "dist-packages", EXTERNALLY_MANAGED):
            (stdlib / entry.name).symlink_to(entry)
    (stdlib / EXTERNALLY_MANAGED).write_text(
        "[externally-managed]\nError=To install Python packages system-wide, try apt install python3-xyz.\n",
        encoding="utf-8")
    (pip_wheel,) = (base_stdlib / "ensurepip" / "_bundled").glob("pip-*.whl")
    zipfile.ZipFile(pip_wheel).extractall(stdlib / "site-packages")
    bin_dir = dest / "bin"
    bin_dir.mkdir()
    shutil.copy2(Path(sys._base_executable).resolve(), bin_dir / "python3")   # type: ignore[attr-defined]
    prefix = subprocess.run([str(bin_dir / "python3"), "-c", "import sys; print(sys.prefix, sys.base_prefix)"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert prefix == [str(dest), str(dest)], "the copy must be an installation of its own, not a venv"
    return bin_dir


def readme_first_line() -> str:
    """The first line of the first shell block under the README's "Start here"."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Start here", 1)[1].split("```sh\n", 1)[1]
    return block.splitlines()[0]


def _with_path(bin_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return dict(env, PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", **extra)


def test_the_readme_starts_with_a_virtual_environment():
    line = readme_first_line()
    assert line.startswith("python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/explainer build")


@pytest.mark.slow
def test_installed_package_builds_a_site_from_any_folder(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO)], check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    result = subprocess.run([str(env_dir / "bin" / "explainer"), "build", "--content", str(sample_copy(tmp_path)),
                             "--out", str(out)], cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Built 3 explainers" in result.stdout
    assert (out / "amazon-facial-recognition-moratorium" / "index.html").is_file()
    assert list((out / "static").glob("style.*.css"))
    installed_themes = subprocess.run(
        [str(python), "-c", "import generator.render.themes as t; print(t.packaged_themes_dir())"],
        capture_output=True, text=True, check=True, cwd=elsewhere).stdout.strip()
    assert "site-packages" in installed_themes, "the default theme must come from the wheel"
    module = subprocess.run([str(python), "-m", "generator", "--help"], capture_output=True, text=True,
                            cwd=elsewhere)
    assert module.returncode == 0 and "build" in module.stdout


@pytest.mark.slow
def test_the_readmes_first_line_works_where_pip_is_externally_managed(tmp_path):
    clone = snapshot_of_checkout(tmp_path / "clone")
    system = externally_managed_python(tmp_path / "system")
    env = _with_path(system)

    refused = subprocess.run(["python3", "-m", "pip", "install", "."], cwd=clone, env=env, capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode != 0
    assert "externally-managed-environment" in refused.stderr
    assert not list((tmp_path / "system/lib").glob("python*/site-packages/explainer-*"))

    readme = subprocess.run(["bash", "-c", readme_first_line()], cwd=clone, env=env, capture_output=True,
                            text=True, timeout=900)
    assert readme.returncode == 0, readme.stdout + readme.stderr
    assert "Built 3 explainers" in readme.stdout
    assert (clone / "site/amazon-facial-recognition-moratorium/index.html").is_file()
    home = (clone / ".venv/pyvenv.cfg").read_text(encoding="utf-8")
    assert f"home = {system}" in home, "the venv must come from the externally managed Python"


@pytest.mark.slow
@pytest.mark.skipif(not list(Path("/usr/lib").glob(f"python3*/{EXTERNALLY_MANAGED}")),
                    reason="no Python here that the system manages (Debian 12, Ubuntu 23.04 and later have one)")
def test_the_readmes_first_line_works_with_the_systems_python(tmp_path):
    clone = snapshot_of_checkout(tmp_path / "clone")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to("/usr/bin/python3")
    readme = subprocess.run(["bash", "-c", readme_first_line()], cwd=clone, env=_with_path(bin_dir),
                            capture_output=True, text=True, timeout=900)
    assert readme.returncode == 0, readme.stdout + readme.stderr
    assert "Built 3 explainers" in readme.stdout


@pytest.mark.slow
def test_pipx_installs_the_command_alone(tmp_path):
    clone = snapshot_of_checkout(tmp_path / "clone")
    tools = tmp_path / "tools"
    venv.create(tools, with_pip=True)
    subprocess.run([str(tools / "bin/python"), "-m", "pip", "install", "-q", "pipx"], check=True, timeout=600)
    env = _with_path(tools / "bin", PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "pipx-bin"))
    installed = subprocess.run(["pipx", "install", ".[s3]"], cwd=clone, env=env, capture_output=True, text=True,
                               timeout=900)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    content = sample_copy(elsewhere)
    built = subprocess.run([str(tmp_path / "pipx-bin/explainer"), "build", "--content", str(content)],
                           cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (elsewhere / "site/index.html").is_file()
    extra = subprocess.run([str(tmp_path / "pipx/venvs/explainer/bin/python"), "-c", "import boto3"])
    assert extra.returncode == 0, "the [s3] extra must come along"
