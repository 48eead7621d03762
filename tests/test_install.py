"""`pip install .` into a fresh virtual environment, then build from another folder: themes ship in the wheel."""
import subprocess
import venv

import pytest

from conftest import REPO, sample_copy


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
