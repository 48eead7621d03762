"""Whole built pages of the sample site, compared with reviewed copies in tests/golden/.

After an intended change to the theme or the sample content, refresh them and review the diff like code:
    UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py
"""
import os
from pathlib import Path

import pytest

from conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "sample"
TEXT_SUFFIXES = (".html", ".css", ".xml", ".txt", ".json", "_headers")


@pytest.fixture(scope="module")
def built(built_sample):
    return built_sample      # built from a copy of content/ as of SAMPLE_AS_OF (2026-01-01T00:00:00+00:00)


def text_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file() and p.name.endswith(TEXT_SUFFIXES)}


def test_sample_site_matches_golden_files(built):
    actual = text_files(built)
    if os.environ.get("UPDATE_GOLDEN"):
        for old in GOLDEN.rglob("*"):
            if old.is_file():
                old.unlink()
        for rel, text in actual.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
        pytest.skip("golden files refreshed: review `git diff tests/golden`")
    expected = text_files(GOLDEN)
    assert sorted(actual) == sorted(expected), "pages added or removed: refresh with UPDATE_GOLDEN=1"
    for rel, text in expected.items():
        assert actual[rel] == text, f"{rel} differs from tests/golden/sample/{rel}; if intended, refresh " \
                                    "with UPDATE_GOLDEN=1 and review the diff"
