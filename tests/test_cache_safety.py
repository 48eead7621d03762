"""Embargo and cache safety: a preview build never leaks into a plain build or a deploy, and the cache is
verified data that can be damaged, swapped, hostile or missing without changing what is published."""
from __future__ import annotations

import gettext
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import REPO, article

BASE = "https://example.com/"
EMBARGOED = "embargoed"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def moment(days: float) -> str:
    """An ISO time `days` from now, to the second, in UTC."""
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat()


def newsroom(tmp_path: Path, embargo: str) -> dict[str, str]:
    """A site with three published explainers and one that must not be public yet (`embargo` says why)."""
    files = {"site.yml": f"title: Newsroom\nbase_url: {BASE}\ndeploy:\n"
                         f"  - name: www\n    kind: directory\n    path: {tmp_path / 'www'}\n"}
    for i in range(3):
        files[f"story-{i}/index.md"] = article(f"Story {i}", date=f"2024-01-0{i + 1}", category="Politics",
                                               tags="[budget]", body=f"Lede {i}.\n\n**Why it matters:** x\n")
    hidden = {"draft": {"date": moment(-1), "draft": "true"}}.get(embargo, {"date": moment(1)})
    files[f"{EMBARGOED}/index.md"] = article("Secret merger", category="Politics", tags="[budget]",
                                             body="Secret lede.\n\n**Why it matters:** x\n", **hidden)
    return files


PREVIEWS = {"as-of": ["--as-of", moment(2)], "future": ["--future"], "draft": ["--drafts"]}


def leaked(folder: Path) -> list[str]:
    """Every file of a built site that shows the embargoed explainer."""
    found = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if EMBARGOED in p.as_posix()]
    for page in ("index.html", "feed.xml", "sitemap.xml", "category/politics/index.html",
                 "category/politics/feed.xml", "tag/budget/index.html"):
        text = (folder / page).read_text(encoding="utf-8")
        if EMBARGOED in text or "Secret" in text:
            found.append(page)
    return found


@pytest.mark.parametrize("embargo", PREVIEWS)
@pytest.mark.parametrize("between", ["nothing", "another edit", "preview without cache"])
def test_a_plain_build_and_deploy_after_a_preview_publish_nothing_embargoed(make_site, cli, tmp_path,
                                                                           embargo, between):
    site = make_site(newsroom(tmp_path, embargo))
    cli("build", check=True, cwd=site.root)
    assert leaked(site.out) == []
    preview = PREVIEWS[embargo] + (["--no-cache"] if between == "preview without cache" else [])
    cli("build", *preview, check=True, cwd=site.root)
    assert {f"{EMBARGOED}/index.html", f"{EMBARGOED}/social-card.png", "index.html", "feed.xml",
            "sitemap.xml"} <= set(leaked(site.out)), "the preview shows the embargoed explainer"
    if between == "another edit":
        site.write("story-1/index.md", article("Story 1", date="2024-01-02", body="New lede.\n"))
    plain = cli("build", check=True, cwd=site.root)
    assert "Built 3 explainers" in plain.out
    assert leaked(site.out) == []
    cli("deploy", "www", check=True, cwd=site.root)
    assert (tmp_path / "www" / "index.html").is_file()
    assert leaked(tmp_path / "www") == []


def test_a_build_as_of_an_earlier_time_leaves_out_what_was_not_yet_published(make_site, cli, tmp_path):
    site = make_site(newsroom(tmp_path, "as-of"))
    cli("build", "--as-of", moment(2), check=True, cwd=site.root)
    assert (site.out / EMBARGOED / "index.html").is_file()
    cli("build", "--as-of", moment(1.5), check=True, cwd=site.root)   # the same explainers
    assert (site.out / EMBARGOED / "index.html").is_file()
    earlier = cli("build", "--as-of", moment(0.5), check=True, cwd=site.root)
    assert f"next scheduled: {EMBARGOED} goes live" in earlier.out
    assert leaked(site.out) == []


def test_the_preview_servers_builder_drops_an_explainer_when_its_clock_goes_back(make_site, tmp_path):
    from generator.build import Builder
    from generator.config import load_config
    site = make_site(newsroom(tmp_path, "as-of"))
    clock = [datetime.now(timezone.utc) + timedelta(days=2)]
    builder = Builder(lambda: load_config(site.content, site.out, now=clock[0]))
    assert builder.build().explainers == 4
    clock[0] = datetime.now(timezone.utc)
    assert builder.build().explainers == 3
    assert leaked(site.out) == []


TOKYO_SITE = {"site.yml": "title: Tokyo\ntimezone: Asia/Tokyo\n",
              "dawn.md": article("Dawn", date="2031-05-01T05:00:00"),       # 2031-04-30 20:00 UTC
              "noon.md": article("Noon", date="2031-05-01T12:00:00"),       # 03:00 UTC
              "old.md": article("Old", date="2024-01-01")}


@pytest.mark.parametrize("as_of, published", [
    ("2031-05-01", []),                             # midnight in Tokyo, not in London
    ("2031-05-01T10:00", ["dawn"]),                 # 01:00 UTC
    ("2031-05-01T12:00", ["dawn", "noon"]),
    ("2031-05-01T02:59+00:00", ["dawn"]),           # an explicit offset is kept
    ("2031-05-01T03:00Z", ["dawn", "noon"]),
])
def test_as_of_without_an_offset_is_in_the_sites_time_zone(make_site, cli, as_of, published):
    site = make_site(TOKYO_SITE)
    result = cli("build", "--no-cache", "--as-of", as_of, check=True, cwd=site.root)
    assert [slug for slug in ("dawn", "noon") if (site.out / slug / "index.html").is_file()] == published
    following = next((slug for slug in ("dawn", "noon") if slug not in published), None)
    if following:
        hour = {"dawn": "05", "noon": "12"}[following]
        assert f"next scheduled: {following} goes live 2031-05-01T{hour}:00:00+09:00" in result.out


# The cache is data -------------------------------------------------------------------------------------

def stories(n: int) -> dict[str, str]:
    files = {"site.yml": f"title: Stories\nbase_url: {BASE}\ntimezone: Asia/Tokyo\n"}
    for i in range(n):
        files[f"story-{i}/index.md"] = article(
            f"Story {i}", date=f"2024-03-{1 + i:02d}T09:{i:02d}:00", category=f"Cat {i % 2}", tags="[a, b]",
            body=f"Lede number {i}.\n\n**Why it matters:** {'word ' * (10 + i)}\n\n**The big picture:** x\n")
        files[f"story-{i}/facts.yml"] = f"- label: Number\n  value: {i}\n  source: Agency\n"
    return files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cache_files(site) -> dict[str, bytes]:
    return tree(site.root / ".explainer-cache")


def test_the_cache_holds_json_checked_pngs_and_checked_message_catalogs_only(make_site, cli):
    from generator.images import cards
    from generator.incremental.catalogs import CompiledCatalogs
    site = make_site(stories(4))
    cli("build", check=True, cwd=site.root)
    files = cache_files(site)
    assert any(rel.startswith("bodies/") for rel in files) and any(rel.startswith("cards/") for rel in files)
    assert any(rel.startswith("catalogs/") for rel in files)
    for rel, data in files.items():
        if rel.endswith(".png"):
            assert cards.is_card_png(data), rel
        elif rel.startswith("catalogs/"):
            assert rel.endswith(".mo"), rel
            compiled = CompiledCatalogs(site.root / ".explainer-cache").read(*Path(rel).stem.rsplit("-", 1))
            assert compiled is not None, rel        # its first line: this version and the hash of the rest
            gettext.GNUTranslations(io.BytesIO(compiled))   # GNU .mo data: parsed by gettext, never run
        elif rel != ".gitignore":
            assert rel.endswith(".json"), rel
            for line in data.splitlines():        # JSON, or JSON lines (the state: a line per explainer)
                json.loads(line)
    assert not (site.root / ".explainer-cache" / "templates").exists()     # no compiled templates


class Hostile:
    """Unpickling this runs a shell command: what a planted cache file could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_planted_pickles_and_template_bytecode_never_run(make_site, cli, tmp_path):
    import jinja2.bccache
    site = make_site(stories(4))
    cli("build", check=True, cwd=site.root)
    folder = site.root / ".explainer-cache"
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Hostile(marker))
    planted = [*folder.rglob("*.json"), *folder.rglob("*.pickle"), *folder.rglob("*.record")]
    planted += [folder / f"{p.name.split('.')[0]}.{suffix}" for p in folder.glob("build-*.json")
                for suffix in ("pickle", "record")]
    for path in planted:
        path.write_bytes(payload)
    for body in list((folder / "bodies").iterdir()):
        body.with_suffix(".pickle").write_bytes(payload)
    templates = folder / "templates"             # where Jinja's bytecode cache kept compiled templates
    for path in [*templates.glob("*.cache")] or [templates / "__jinja2_0.cache"]:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(jinja2.bccache.bc_magic + payload)
    site.write("story-1/index.md", site.content.joinpath("story-1/index.md").read_text() + "\nMore.\n")
    cli("build", check=True, cwd=site.root)
    cli("build", "--no-cache", "--out", "fresh", check=True, cwd=site.root)
    assert not marker.exists(), "a file in .explainer-cache ran code"
    assert tree(site.out) == tree(site.root / "fresh")


def swap(first: Path, second: Path) -> None:
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)


DAMAGE = {
    "swapped": lambda bodies: swap(bodies[0], bodies[1]),
    "random bytes": lambda bodies: [b.write_bytes(os.urandom(b.stat().st_size)) for b in bodies],
    "truncated": lambda bodies: [b.write_bytes(b.read_bytes()[: b.stat().st_size // 2]) for b in bodies],
    "empty": lambda bodies: [b.write_bytes(b"") for b in bodies],
    "deeply nested JSON": lambda bodies: [b.write_bytes(b"[" * 100_000) for b in bodies],
    "unreadable": lambda bodies: [b.unlink() or b.mkdir() for b in bodies],
}


def more_of(table: dict, fast: int = 2) -> list:
    """The table's cases: the first ones in the fast suite, the rest marked slow."""
    return [name if n < fast else pytest.param(name, marks=pytest.mark.slow) for n, name in enumerate(table)]


@pytest.mark.parametrize("damage", more_of(DAMAGE))
def test_damaged_or_swapped_bodies_are_converted_again(make_site, cli, damage):
    site = make_site(stories(4))
    cli("build", check=True, cwd=site.root)
    DAMAGE[damage](sorted((site.root / ".explainer-cache" / "bodies").iterdir()))
    # A changed template renders every page again, each from its cached body.
    site.write("/themes/default/templates/partials/byline.html", "<p class=\"byline\">BYLINE</p>\n")
    result = cli("build", check=True, cwd=site.root)
    assert result.err == ""
    for i in range(4):
        page = site.page(f"story-{i}/index.html")
        assert f"Lede number {i}." in page and "BYLINE" in page
        assert [n for n in range(4) if f"Lede number {n}." in page] == [i]
    cli("build", "--no-cache", "--out", "fresh", check=True, cwd=site.root)
    assert tree(site.out) == tree(site.root / "fresh")
    again = cli("build", "-v", check=True, cwd=site.root)          # and the cache is whole again
    assert " 0 files written" in again.out and "load " not in again.out


def sidebar_files(site) -> list[Path]:
    """The cached sidebars of the site's explainers (files of their own beside the bodies)."""
    return sorted(p for p in (site.root / ".explainer-cache" / "bodies").iterdir() if b'"sidebars"' in p.read_bytes())


@pytest.mark.parametrize("damage", more_of(DAMAGE))
def test_damaged_or_swapped_sidebars_are_read_again_never_published(make_site, cli, damage):
    site = make_site(stories(4))
    cli("build", check=True, cwd=site.root)
    state_file = next(p for p in (site.root / ".explainer-cache").glob("build-*.json") if "record" not in p.name)
    assert b"Agency" not in state_file.read_bytes(), "the state keeps listing records, not the sidebars"
    files = sidebar_files(site)
    assert len(files) == 4
    DAMAGE[damage](files)
    site.write("/themes/default/templates/partials/byline.html", "<p class=\"byline\">BYLINE</p>\n")
    result = cli("build", check=True, cwd=site.root)        # every page again, from the cached records
    assert result.err == ""
    for i in range(4):
        page = site.page(f"story-{i}/index.html")
        assert "BYLINE" in page
        facts = page.split('class="facts"', 1)[1].split("</dl>", 1)[0]
        assert [n for n in range(4) if f"<dd>{n}" in facts] == [i], facts
    cli("build", "--no-cache", "--out", "fresh", check=True, cwd=site.root)
    assert tree(site.out) == tree(site.root / "fresh")
    again = cli("build", "-v", check=True, cwd=site.root)          # and the cache is whole again
    assert " 0 files written" in again.out and "load " not in again.out
    assert len(sidebar_files(site)) == 4


def small_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    pixels = zlib.compress(b"\x00\xff\x00\x00" * 1)
    return PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def honest_name(card: Path, data: bytes) -> None:
    """Replace a cached card by `data` under a name whose digest matches it."""
    import hashlib
    card.unlink()
    key = card.name.split("-")[0]
    card.with_name(f"{key}-{hashlib.blake2b(data, digest_size=16).hexdigest()}.png").write_bytes(data)


CARD_DAMAGE = {
    "random bytes": lambda card: card.write_bytes(os.urandom(card.stat().st_size)),
    "another PNG": lambda card: card.write_bytes(small_png()),
    "a small PNG named by its digest": lambda card: honest_name(card, small_png()),
    "half a card named by its digest": lambda card: honest_name(card, card.read_bytes()[:2000]),
    "a folder": lambda card: card.unlink() or card.mkdir(),
}


@pytest.mark.parametrize("damage", more_of(CARD_DAMAGE, fast=3))
def test_a_damaged_cached_card_is_drawn_again_never_copied(make_site, cli, damage):
    from generator.images import cards
    site = make_site(stories(2))
    cli("build", check=True, cwd=site.root)
    good = {rel: data for rel, data in tree(site.out).items() if rel.endswith("social-card.png")}
    assert len(good) == 2
    for card in sorted((site.root / ".explainer-cache" / "cards").glob("*.png")):
        CARD_DAMAGE[damage](card)
    shutil.rmtree(site.out)
    result = cli("build", check=True, cwd=site.root)
    assert result.code == 0 and result.err == ""
    published = {rel: data for rel, data in tree(site.out).items() if rel.endswith("social-card.png")}
    assert published == good
    assert all(cards.is_card_png(data) for data in published.values())


def test_a_build_without_the_cache_never_creates_it(make_site, cli):
    site = make_site(stories(3))
    cli("build", "--no-cache", "--jobs", "2", check=True, cwd=site.root)
    assert (site.out / "story-0" / "social-card.png").is_file()
    assert not (site.root / ".explainer-cache").exists()


def snapshot(folder: Path) -> dict[str, tuple]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_build_without_the_cache_leaves_it_exactly_as_it_was(make_site, cli):
    site = make_site(stories(3))
    cli("build", check=True, cwd=site.root)
    before = snapshot(site.root / ".explainer-cache")
    site.write("story-1/index.md", article("Story one, retitled", date="2024-03-02", body="New lede.\n"))
    cli("build", "--no-cache", check=True, cwd=site.root)
    assert "retitled" in site.page("index.html")
    assert snapshot(site.root / ".explainer-cache") == before


AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []


def run_as_another_user(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The CLI as an ordinary user (as root, permissions would not stop anything)."""
    return subprocess.run([*AS_NOBODY, sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(REPO)))


def give_away(folder: Path) -> None:
    """Hand a folder and everything in it to the user that runs the CLI."""
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.lchown(path, 65534, 65534)


UNUSABLE = {
    "a file": lambda cache: cache.write_text("not a folder\n"),
    "a folder we cannot enter": lambda cache: cache.mkdir(mode=0o000),
    "a dangling symlink": lambda cache: cache.symlink_to(cache.parent / "gone"),
    "a read-only folder": lambda cache: cache.mkdir(mode=0o555),
    "holding a file named bodies": lambda cache: cache.mkdir() or (cache / "bodies").write_text("x"),
}


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="needs setpriv to drop root")
@pytest.mark.parametrize("kind", more_of(UNUSABLE))
def test_a_cache_folder_we_cannot_use_is_skipped_with_one_warning(tmp_path, kind):
    # Under /tmp itself: pytest's own folders are closed to other users.
    root = Path(tempfile.mkdtemp(prefix="explainer-cache-test-")) if os.geteuid() == 0 else tmp_path
    cache = root / ".explainer-cache"
    try:
        for rel, text in stories(3).items():
            (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / "content" / rel).write_text(text)
        UNUSABLE[kind](cache)
        give_away(root)
        for _ in ("first build", "second build"):
            result = run_as_another_user(["build", "--jobs", "2"], root)
            assert result.returncode == 0, result.stderr
            warnings = [line for line in result.stderr.splitlines() if "cache" in line]
            assert len(warnings) == 1 and warnings[0].startswith("warning: building without the cache: "), \
                result.stderr
            assert "Traceback" not in result.stderr
        fresh = run_as_another_user(["build", "--no-cache", "--out", "fresh"], root)
        assert fresh.returncode == 0 and "cache" not in fresh.stderr, fresh.stderr
        assert tree(root / "site") == tree(root / "fresh")
        assert (root / "site" / "story-2" / "social-card.png").is_file()
        if kind == "a file":
            assert cache.read_text() == "not a folder\n"
        if kind == "a dangling symlink":
            assert cache.is_symlink() and not cache.exists()
        if cache.is_dir() and not cache.is_symlink():
            assert not (cache / "bodies").is_dir() and not (cache / "cards").exists()
    finally:
        if cache.is_dir() and not cache.is_symlink():
            cache.chmod(0o755)
        if root != tmp_path:
            shutil.rmtree(root)


BOMB_LEVELS = 40      # 2**41 leaves once expanded, from about 1 kB of YAML


def anchor_bomb() -> str:
    lines = ["title: Bomb", "check:", "  l0: &l0 [x, x]"]
    lines += [f"  l{n}: &l{n} [*l{n - 1}, *l{n - 1}]" for n in range(1, BOMB_LEVELS)]
    return "\n".join(lines) + "\n"


def test_nested_yaml_anchors_in_site_yml_do_not_make_the_build_slow(make_site):
    """Either the build succeeds or site.yml is rejected with its line, in seconds and modest memory."""
    site = make_site({"site.yml": anchor_bomb(), "a.md": article()})
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    code = limit + "import sys; from generator.cli import main; sys.exit(main(sys.argv[1:]))"
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-c", code, "build", "--jobs", "1"], cwd=site.root,
                              capture_output=True, text=True, timeout=30, env=dict(os.environ, PYTHONPATH=str(REPO)))
    except subprocess.TimeoutExpired:
        pytest.fail("build with an anchor bomb in site.yml did not finish in 30 s")
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr[-2000:]
    if proc.returncode == 0:
        assert (site.out / "a-title" / "index.html").is_file() or (site.out / "a" / "index.html").is_file()
    else:
        assert proc.returncode == 1 and proc.stderr.startswith("error: content/site.yml:"), proc.stderr
    assert elapsed < 20, f"{elapsed:.1f} s"


# The codec: exact round trips, hostile data refused ----------------------------------------------------

def full_explainer(tmp_path: Path):
    from zoneinfo import ZoneInfo

    from markupsafe import Markup

    from generator.incremental import bodies
    from generator.model import (
        Body,
        Definition,
        Event,
        Explainer,
        Fact,
        FactBox,
        Image,
        Person,
        Section,
        Sidebar,
        Source,
        Term,
        Update,
    )
    from generator.problems import Place
    new_york = ZoneInfo("America/New_York")
    body = Body(lede_html=Markup("<p>Lede &amp; more</p>"), lede_text="Lede & more", words=42, sections=(
        Section("Why it matters:", "why-it-matters", "why-it-matters", Markup("<p><strong>x</strong></p>"), 3,
                Markup("<p>x<a class=\"permalink\">#</a></p>"), "why-it-matters"),))
    facts = FactBox("Key facts", (Fact("Rate", "4 %", Source("Agency", "https://example.com/"),
                                       Place(tmp_path / "a" / "facts.yml", 2)),
                                  Fact("Plain", "x", None, Place(tmp_path / "a" / "facts.yml"))))
    where = Place(tmp_path / "a" / "facts.yml", 9)
    boxes = (Sidebar("Timeline", (Event(datetime(1969, 1, 1, tzinfo=new_york), "year", "Moon", None, where),
                                  Event(datetime(2020, 3, 11, 9, 30, tzinfo=new_york), "time", "Now",
                                        Source("Wire"), where)), "timeline", "timeline"),
             Sidebar(None, (Person("Ann", None, Image("ann.png", tmp_path / "a" / "ann.png", "a/ann.png", "", 64, 80),
                                   where), Person("Bo", "Role", None, where)), "people", "people"),
             Sidebar(None, (Definition("Term", "Meaning", where),), "glossary", "glossary"),
             Sidebar(None, (Fact("1 in 3", "adults", None, where),), "numbers", "numbers"))
    explainer = Explainer(
        slug="a", source=tmp_path / "a" / "index.md", bundle=tmp_path / "a", title="Ünïcode \ud800 title",
        date=datetime(2024, 11, 3, 1, 30, tzinfo=new_york, fold=1),                 # the second 01:30
        updated=datetime(2024, 11, 4, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        category=Term("C++", "c"), tags=(Term("a", "a"), Term("b", "b")), authors=("Ann", "Bo"),
        summary=None, language="ar", draft=True,
        image=Image("hero.jpg", tmp_path / "a" / "hero.jpg", "a/hero.jpg", "Alt", 1200, 800, None, "Credit"),
        sidebars=(facts, *boxes), updates=(Update(datetime(2024, 1, 1, tzinfo=timezone.utc), "First"),
                              Update(datetime(2024, 1, 2, tzinfo=timezone(timedelta(hours=-3), "BRT")), "Named")),
        body=body, files=(tmp_path / "a" / "hero.jpg",), translation_key="rates-2024")
    return explainer, bodies


def test_an_explainer_comes_back_from_the_cache_exactly(tmp_path):
    from generator.incremental import codec
    explainer, bodies = full_explainer(tmp_path)
    folder = tmp_path / "bodies"
    stored = bodies.spill_body(explainer.body, folder)
    kind = codec.explainer_kind(codec.Kind("body", lambda b: b.name, lambda name: bodies.StoredBody(folder, name)),
                                memo={})
    again = kind.decode(json.loads(json.dumps(kind.encode(explainer.__class__(
        **{**explainer.__dict__, "body": stored})))))
    assert again.body.load() == explainer.body
    assert type(again.body.load().lede_html).__name__ == "Markup"
    assert again == explainer.__class__(**{**explainer.__dict__, "body": again.body})
    for before, after in ((explainer.date, again.date), (explainer.updated, again.updated),
                          *((u.date, v.date) for u, v in zip(explainer.updates, again.updates))):
        assert (after.isoformat(), after.tzname(), after.fold, repr(after.tzinfo)) == \
            (before.isoformat(), before.tzname(), before.fold, repr(before.tzinfo))
    assert again.date.utcoffset() == timedelta(hours=-5)


WRONG = [None, 1, 1.5, True, "x", [], {}, ["x"], [1], [None], [["x"]]]


def _positions(value, path=()):
    """Every place in a JSON value, as the path of indexes that leads to it."""
    yield path
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _positions(item, (*path, index))


def _replaced(value, path, new):
    if not path:
        return new
    copy = list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def test_a_value_of_the_wrong_type_anywhere_in_an_explainer_is_refused(tmp_path):
    """Each place of an explainer's cache entry, and of a file stamp, given values of other types: the decoder
    refuses it (CacheDataError), or what it made is exactly what that value says (it encodes back to it)."""
    from generator.incremental import codec
    explainer, _ = full_explainer(tmp_path)
    explainer = explainer.__class__(**{**explainer.__dict__, "body": "a body file"})
    for kind, value in ((codec.explainer_kind(codec.Kind("body", lambda b: b, lambda b: b), memo={}), explainer),
                        (codec.STAMP, (("a/index.md", 1, 2), ("a/facts.yml", None, None)))):
        encoded = json.loads(json.dumps(kind.encode(value)))
        assert json.loads(json.dumps(kind.encode(kind.decode(encoded)))) == encoded
        for path in _positions(encoded):
            for wrong in WRONG:
                damaged = _replaced(encoded, path, wrong)
                try:
                    made = kind.decode(damaged)
                except codec.CacheDataError:
                    continue
                assert json.loads(json.dumps(kind.encode(made))) == damaged, (path, wrong)


@pytest.mark.parametrize("value", [
    None, 7, "text", [], {"a": 1}, ["a"] * 16,
    ["x"] * 17,                                                             # right length, wrong types
])
def test_anything_but_an_explainer_is_refused(value):
    from generator.incremental import codec
    kind = codec.explainer_kind(codec.Kind("body", str, str))
    with pytest.raises(codec.CacheDataError):
        kind.decode(value)


@pytest.mark.parametrize("value", [
    ["2024-01-01T00:00:00", 0, ["zone", "../../../etc/passwd"]],
    ["2024-01-01T00:00:00", 0, ["zone", "No/Such_Zone"]],
    ["2024-01-01T00:00:00", 0, ["offset", 25 * 3600 * 10**6, None]],
    ["2024-01-01T00:00:00+01:00", 0, ["offset", 0, None]],
    ["not a time", 0, ["offset", 0, None]],
    ["2024-01-01T00:00:00", 2, ["offset", 0, None]],
    ["2024-01-01T00:00:00", 0, ["eval", "__import__('os')"]],
])
def test_a_damaged_time_is_refused(value):
    from generator.incremental import codec
    with pytest.raises(codec.CacheDataError):
        codec.MOMENT.decode(value)


def test_a_state_file_with_the_right_tag_but_damaged_inside_is_an_empty_state(make_site, cli):
    from generator.incremental import state
    site = make_site(stories(2))
    cli("build", check=True, cwd=site.root)
    state_file, head, (first, *others) = state_parts(site)      # a line per explainer after the mappings'
    data = json.loads(first)
    data[1][4] = ["2024-01-01T00:00:00", 0, ["zone", "../../etc/passwd"]]
    state_file.write_bytes(b"\n".join([*head, json.dumps(data).encode(), *others]))
    assert state.load_state(state_file, site.content, site.out).loaded == {}
    site.write("story-1/index.md", site.content.joinpath("story-1/index.md").read_text() + "\nMore.\n")
    result = cli("build", check=True, cwd=site.root)
    assert result.err == "" and "More." in site.page("story-1/index.html")
    assert len(state.load_state(state_file, site.content, site.out).loaded) == 2



@pytest.mark.parametrize("damage", [
    lambda line: b" " + line,                                  # not as compact_line writes it
    lambda line: line + b" []",                                # a second value
    lambda line: line.replace(b'"en"', '"\u00e9n"'.encode()).replace(b"\\u00e9", "\u00e9".encode()),
], ids=["space", "second-value", "not-ascii"])
def test_a_state_line_that_is_not_one_compact_ascii_json_value_is_an_empty_state(make_site, cli, damage):
    from generator.incremental import state
    site = make_site(stories(2))
    cli("build", check=True, cwd=site.root)
    state_file, head, (first, *others) = state_parts(site)
    damaged = damage(first)
    assert damaged != first
    state_file.write_bytes(b"\n".join([*head, damaged, *others]))
    assert state.load_state(state_file, site.content, site.out).loaded == {}
    site.write("story-1/index.md", site.content.joinpath("story-1/index.md").read_text() + "\nMore.\n")
    cli("build", check=True, cwd=site.root)                   # every explainer loaded again from its files
    assert len(state.load_state(state_file, site.content, site.out).loaded) == 2

ZONES_SITE = {
    "site.yml": f"title: Zones\nbase_url: {BASE}\ntimezone: America/New_York\n",
    "fall-back.md": article("Fall back", date="2024-11-03T01:30:00",
                            updates="\n  - date: 2024-11-04T09:00:00+05:30\n    note: One\n"
                                    "  - date: 2024-11-05\n    note: Two"),
    "utc.md": article("Zulu", date="'2024-06-01T12:00:00Z'", updated="2024-06-02T12:00:00-03:00"),
    "plain.md": article("Plain", date="2024-03-10"),
}


def test_pages_rendered_from_cached_explainers_are_byte_identical_in_any_time_zone(make_site, explainer):
    site = make_site(ZONES_SITE)
    explainer("build", check=True, cwd=site.root)
    site.write("/themes/default/templates/partials/byline.html",
               "<p class=\"byline\">{{ explainer.date.isoformat() }} {{ explainer.date.tzname() }}</p>\n")
    explainer("build", check=True, cwd=site.root)       # every page again, from the explainers in the cache
    explainer("build", "--no-cache", "--out", "fresh", check=True, cwd=site.root)
    assert tree(site.out) == tree(site.root / "fresh")
    assert "2024-11-03T01:30:00-04:00 EDT" in site.page("fall-back/index.html")


def state_lines(site) -> list[bytes]:
    state_file = next(p for p in (site.root / ".explainer-cache").glob("build-*.json") if "record" not in p.name)
    return state_file.read_bytes().split(b"\n")


def state_parts(site) -> tuple[Path, list[bytes], list[bytes]]:
    """The state file, its first line with the lines of its mappings after it, and the explainers' lines (then
    the empty piece after the last line break)."""
    lines = state_lines(site)
    head = 1 + sum(json.loads(lines[0])["sections"].values())
    state_file = next(p for p in (site.root / ".explainer-cache").glob("build-*.json") if "record" not in p.name)
    return state_file, lines[:head], lines[head:]


def test_explainers_saved_as_they_were_read_are_what_a_fresh_build_saves(make_site, cli):
    """A build saves the explainers it did not load again as the lines it read: after edits, their lines are
    byte for byte those of a build from an empty cache."""
    site = make_site(stories(5))
    cli("build", check=True, cwd=site.root)
    site.write("story-1/index.md", article("Story one", date="2024-03-02", tags="[c]", body="Another lede.\n"))
    cli("build", check=True, cwd=site.root)
    site.write("story-3/facts.yml", "- label: Number\n  value: three\n")
    cli("build", check=True, cwd=site.root)
    kept = state_parts(site)[2]
    shutil.rmtree(site.root / ".explainer-cache")
    cli("build", check=True, cwd=site.root)
    assert state_parts(site)[2] == kept and len(kept) == 6         # five explainers and the end of the file


@pytest.mark.parametrize("damage", ["a line cut short", "a line less", "a line more", "no last line break",
                                    "something after the last line", "a line that is not JSON",
                                    "a line break in a line"])
def test_a_state_file_whose_lines_are_damaged_is_an_empty_state(make_site, cli, damage):
    from generator.incremental import state
    site = make_site(stories(3))
    cli("build", check=True, cwd=site.root)
    lines = state_lines(site)
    path = next(p for p in (site.root / ".explainer-cache").glob("build-*.json") if "record" not in p.name)
    damaged = {"a line cut short": lines[:1] + [lines[1][:-5]] + lines[2:],
               "a line less": lines[:1] + lines[2:],
               "a line more": lines[:-1] + [lines[1], b""],
               "no last line break": lines[:-1],
               "something after the last line": lines[:-1] + [b"[]"],
               "a line that is not JSON": lines[:1] + [b"[[],\x00]"] + lines[2:],
               "a line break in a line": lines[:1] + [lines[1][:9], lines[1][9:]] + lines[3:]}[damage]
    path.write_bytes(b"\n".join(damaged))
    assert state.load_state(path, site.content, site.out).loaded == {}
    site.write("story-1/index.md", article("Story one", date="2024-03-02", body="Another lede.\n"))
    assert cli("build", check=True, cwd=site.root).err == ""
    assert "Another lede." in site.page("story-1/index.html")
    assert len(state.load_state(path, site.content, site.out).loaded) == 3


def test_cache_files_from_another_version_or_other_folders_are_not_used(make_site, cli):
    site = make_site(stories(3))
    cli("build", check=True, cwd=site.root)
    written = list((site.root / ".explainer-cache").glob("build-*.json"))
    assert len(written) == 2                                  # the state and the record
    for path in written:                   # the tag is on the first line (the state has a line per explainer)
        first, *rest = path.read_bytes().split(b"\n")
        data = json.loads(first)
        data["tag"] = "explainer 0.0.1 python 3.9 markdown 3.0 schema 0"
        path.write_bytes(b"\n".join([json.dumps(data).encode(), *rest]))
    site.write("story-1/index.md", article("Story one", date="2024-03-02", body="Another lede.\n"))
    first = cli("build", "-v", check=True, cwd=site.root)
    assert "load " in first.out and "Another lede." in site.page("story-1/index.html")
    cli("build", "--out", "elsewhere", check=True, cwd=site.root)      # a second output folder
    for state in (site.root / ".explainer-cache").glob("build-*.json"):
        data = json.loads(state.read_bytes().split(b"\n")[0])
        assert data["for"][1] in (str(site.out.resolve()), str((site.root / "elsewhere").resolve()))
    assert tree(site.out) == tree(site.root / "elsewhere")
