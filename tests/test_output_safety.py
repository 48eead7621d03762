"""A build never destroys what it did not make, never leaves half a site, and never publishes its bookkeeping."""
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from conftest import article
from generator import outfolder
from generator.build import build
from generator.config import load_config
from generator.errors import ConfigError

GOOD = {"a/index.md": article("Alpha", date="2024-03-02", category="Science"),
        "b.md": article("Beta", date="2024-03-01", category="Science")}
ABSOLUTE = "title: S\nbase_url: https://example.org/\n"


def snapshot(folder: Path) -> dict:
    """Every file with its bytes and modification time (a rewrite with the same bytes still shows)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site."))


def refused(result, *phrases: str) -> None:
    assert result.code == 1, result.err
    assert result.err.startswith("error: ") and "Traceback" not in result.err, result.err
    for phrase in phrases:
        assert phrase in result.err


# --- what --out may be ----------------------------------------------------------------------------------

def test_a_file_as_output_is_refused_and_kept(make_site, cli):
    site = make_site(GOOD)
    site.out.write_text("my notes")
    refused(cli("build", cwd=site.root), "site is a file, not a folder")
    assert site.out.read_text() == "my notes"
    refused(cli("build", "--force", cwd=site.root), "is a file")
    assert site.out.read_text() == "my notes"


def test_a_symlink_to_a_file_is_refused_and_neither_is_touched(make_site, cli):
    site = make_site(GOOD)
    (site.root / "notes.txt").write_text("keep")
    site.out.symlink_to(site.root / "notes.txt")
    refused(cli("build", cwd=site.root), "site is a symlink", "a build never replaces what a link points to")
    assert site.out.is_symlink() and (site.root / "notes.txt").read_text() == "keep"


def test_a_named_pipe_is_refused(make_site, cli):
    site = make_site(GOOD)
    os.mkfifo(site.out)
    refused(cli("build", cwd=site.root), "site is a named pipe, not a folder")
    assert stat.S_ISFIFO(os.lstat(site.out).st_mode)


def test_a_device_is_refused(make_site, cli):
    site = make_site(GOOD)
    try:
        os.mknod(site.out, stat.S_IFCHR | 0o666, os.makedev(1, 3))    # the same device as /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    refused(cli("build", "--force", cwd=site.root), "site is a device, not a folder")
    assert stat.S_ISCHR(os.lstat(site.out).st_mode)


def test_an_output_folder_below_a_file_is_a_clear_error(make_site, cli):
    site = make_site(GOOD)
    (site.root / "notes.txt").write_text("keep")
    refused(cli("build", "--out", "notes.txt/site", cwd=site.root),
            "cannot make the output folder notes.txt/site", "is a file, not a folder")
    assert (site.root / "notes.txt").read_text() == "keep"


HAND_MADE = {"index.html": "<h1>My home page</h1>", "thesis.txt": "four years of work",
             "photos/cat.jpg": "meow"}


def hand_made(folder: Path) -> dict:
    for rel, text in HAND_MADE.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return snapshot(folder)


def test_a_hand_made_web_folder_is_refused_until_forced(make_site, cli):
    site = make_site(GOOD)
    before = hand_made(site.out)
    refused(cli("build", cwd=site.root), "site was not made by explainer build", "--force")
    assert snapshot(site.out) == before
    cli("build", "--force", cwd=site.root, check=True)
    assert not (site.out / "thesis.txt").exists() and (site.out / "a/index.html").is_file()
    assert (site.out / outfolder.MARKER).is_file()
    cli("build", cwd=site.root, check=True)       # from now on it is ours


def test_a_symlink_to_a_folder_is_refused_with_the_folder_to_use(make_site, cli, tmp_path):
    site = make_site(GOOD)
    www = tmp_path / "www"
    www.mkdir()
    before = hand_made(www)
    site.out.symlink_to(www)
    result = cli("build", "--force", cwd=site.root)
    refused(result, "site is a symlink", f"--out {www}")
    assert snapshot(www) == before and site.out.is_symlink()
    cli("build", "--out", str(www), "--force", cwd=site.root, check=True)    # the folder itself
    result = cli("build", cwd=site.root)                       # even when the target is a site of ours
    refused(result, "site is a symlink")


def test_an_empty_or_missing_folder_is_accepted(make_site, cli):
    site = make_site(GOOD)
    site.out.mkdir()
    cli("build", cwd=site.root, check=True)
    cli("build", "--out", "deep/er/site", cwd=site.root, check=True)
    assert (site.root / "deep/er/site/index.html").is_file()


def test_a_site_from_before_the_marker_is_recognised_by_its_manifest(make_site, cli):
    site = make_site(GOOD)
    cli("build", cwd=site.root, check=True)
    (site.out / outfolder.MARKER).unlink()                   # as the previous version left it
    (site.out / ".index.html.k2j4x9_a").write_bytes(b"")     # and a killed in-place build of that version
    site.write("b.md", article("Beta, revised", date="2024-03-01", category="Science"))
    cli("build", cwd=site.root, check=True)
    assert "Beta, revised" in site.page("b/index.html")
    assert (site.out / outfolder.MARKER).is_file() and not (site.out / ".index.html.k2j4x9_a").exists()


def test_a_markerless_site_without_a_cache_is_refused(make_site, cli):
    site = make_site(GOOD)
    cli("build", "--no-cache", cwd=site.root, check=True)
    (site.out / outfolder.MARKER).unlink()
    before = snapshot(site.out)
    refused(cli("build", cwd=site.root), "was not made by explainer build")
    assert snapshot(site.out) == before


def test_deploy_takes_force_too(make_site, cli, tmp_path):
    site = make_site({**GOOD, "site.yml": f"title: S\ndeploy:\n  - name: www\n    kind: directory\n"
                                          f"    path: {tmp_path / 'www'}\n"})
    hand_made(site.out)
    refused(cli("deploy", "www", cwd=site.root), "was not made by explainer build")
    assert not (tmp_path / "www").exists()
    cli("deploy", "www", "--force", cwd=site.root, check=True)
    assert (tmp_path / "www/a/index.html").is_file()


# --- never publish the bookkeeping -----------------------------------------------------------------------

def test_deploy_never_publishes_the_marker_or_temporary_files(make_site, cli, tmp_path):
    site = make_site({**GOOD, "site.yml": f"title: S\ndeploy:\n  - name: www\n    kind: directory\n"
                                          f"    path: {tmp_path / 'www'}\n"})
    cli("build", cwd=site.root, check=True)
    (site.out / ".index.html.k2j4x9_a").write_bytes(b"")                 # left by older versions
    (site.out / "a/.index.html.k2j4x9_a.explainer-tmp").write_bytes(b"")
    dry = cli("deploy", "www", "--no-build", "--dry-run", cwd=site.root, check=True)
    assert "+ a/index.html" in dry.out and ".explainer-site" not in dry.out and "k2j4x9" not in dry.out
    cli("deploy", "www", "--no-build", cwd=site.root, check=True)
    published = {p.relative_to(tmp_path / "www").as_posix() for p in (tmp_path / "www").rglob("*") if p.is_file()}
    assert "a/index.html" in published
    assert not [rel for rel in published if Path(rel).name.startswith(".")], published


def test_in_place_builds_leave_no_temporary_files_in_the_site(make_site, cli):
    site = make_site(GOOD)
    cli("build", cwd=site.root, check=True)
    site.write("b.md", article("Beta 2", date="2024-03-01", category="Science"))
    cli("build", cwd=site.root, check=True)
    hidden = [p.name for p in site.out.rglob(".*")]
    assert hidden == [outfolder.MARKER] and leftovers(site.root) == []


# --- leftovers of killed builds ----------------------------------------------------------------------------

def dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_staging_folders_of_killed_builds_are_removed_and_nothing_else(make_site, explainer, tmp_path):
    site = make_site(GOOD)
    explainer("build", cwd=site.root, check=True)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep")
    dead = dead_pid()
    stale = [f".site.new-{dead}-abcd_123", f".site.old-{dead}-x1y2z3w4", f".site.bodies-{dead}-qqqqqqqq",
             ".site.new-k2j4x9_a", ".site.old-0a1b2c3d"]       # the last two: named by older versions
    for name in stale:
        for n in range(300):
            (site.root / name / "site" / f"p{n}").mkdir(parents=True)
            (site.root / name / "site" / f"p{n}" / "index.html").write_text("x")
    alive = f".site.new-{os.getpid()}-abcd_123"             # a build still running (its pid is alive)
    others = [alive, ".site.new-notours", "notes.site.new-abcd_123", ".other.new-k2j4x9_a"]
    for name in others:
        (site.root / name).mkdir()
    (site.root / f".site.new-{dead}-lnklnk00").symlink_to(precious)
    explainer("build", cwd=site.root, check=True)            # up to date: nothing to write, still cleaned
    assert leftovers(site.root) == sorted([alive, ".site.new-notours", f".site.new-{dead}-lnklnk00"])
    assert (site.root / "notes.site.new-abcd_123").is_dir() and (site.root / ".other.new-k2j4x9_a").is_dir()
    assert (precious / "keep.txt").read_text() == "keep"


# --- the swap has no gap ------------------------------------------------------------------------------------

def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/x").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b/x").write_text("b")
    if not outfolder.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("no renameat2 RENAME_EXCHANGE on this system")
    assert (tmp_path / "a/x").read_text() == "b" and (tmp_path / "b/x").read_text() == "a"


def full_rebuild_watching_renames(site, monkeypatch) -> list[bool]:
    """Rebuild everything, noting at every rename whether site/ is there and whole."""
    seen = []
    real = os.replace

    def watching(src, dst, *args, **kwargs):
        seen.append((site.out / "index.html").is_file() and (site.out / "b/index.html").is_file())
        real(src, dst, *args, **kwargs)
        seen.append((site.out / "index.html").is_file() and (site.out / "b/index.html").is_file())
    build(load_config(site.content, site.out, use_cache=False))
    monkeypatch.setattr(os, "replace", watching)
    site.write("a/index.md", article("Alpha, edited", date="2024-03-02"))
    build(load_config(site.content, site.out, use_cache=False))
    return seen


def test_a_full_rebuild_is_never_without_a_site(make_site, monkeypatch):
    site = make_site(GOOD)
    assert all(full_rebuild_watching_renames(site, monkeypatch))
    assert "Alpha, edited" in site.page("a/index.html") and leftovers(site.root) == []


def test_without_exchange_the_two_renames_still_end_with_the_new_site(make_site, monkeypatch):
    site = make_site(GOOD)
    monkeypatch.setattr(outfolder, "_renameat2", lambda: None)     # another OS, or a filesystem without it
    full_rebuild_watching_renames(site, monkeypatch)
    assert "Alpha, edited" in site.page("a/index.html") and leftovers(site.root) == []


def test_a_failed_swap_puts_the_previous_site_back(make_site, monkeypatch):
    site = make_site(GOOD)
    build(load_config(site.content, site.out, use_cache=False))
    before = snapshot(site.out)
    monkeypatch.setattr(outfolder, "_renameat2", lambda: None)
    real, failures = os.replace, []

    def second_rename_fails_once(src, dst, *args, **kwargs):
        if Path(dst) == site.out.resolve() and not failures:
            failures.append(dst)
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", second_rename_fails_once)
    site.write("a/index.md", article("Alpha, edited", date="2024-03-02"))
    with pytest.raises(ConfigError, match="No space left on device"):
        build(load_config(site.content, site.out, use_cache=False))
    assert failures
    assert snapshot(site.out) == before and leftovers(site.root) == []


# --- incremental builds change nothing unless everything succeeds -----------------------------------------

BOOBY_TRAP = ("{% extends 'default/explainer.html' %}{% block title %}"
              "{% if explainer.title == 'Boom' %}{{ explainer.nonsense.deeper }}{% endif %}{{ super() }}"
              "{% endblock %}\n")


def test_a_template_error_on_the_second_page_leaves_the_site_as_it_was(make_site, cli):
    site = make_site({**GOOD, "/themes/default/templates/explainer.html": BOOBY_TRAP})
    cli("build", cwd=site.root, check=True)
    before = snapshot(site.out)
    site.write("a/index.md", article("Alpha, edited", date="2024-03-02", category="Science"))   # rendered first
    site.write("b.md", article("Boom", date="2024-03-01", category="Science"))
    result = cli("build", cwd=site.root)
    refused(result, "error rendering b/index.html")
    assert snapshot(site.out) == before and leftovers(site.root) == []


def test_a_file_that_cannot_be_replaced_rolls_the_others_back(make_site, cli):
    site = make_site(GOOD)
    cli("build", cwd=site.root, check=True)
    folder = (site.out / "b").stat()
    (site.out / "b/index.html").unlink()
    (site.out / "b/index.html").mkdir()                       # in the way: cannot be replaced by a file
    (site.out / "b/index.html/x").write_text("x")
    # With its folder's time put back, so the build does not notice and updates site/ in place.
    os.utime(site.out / "b", ns=(folder.st_atime_ns, folder.st_mtime_ns))
    before = snapshot(site.out)
    site.write("a/index.md", article("Alpha, edited", date="2024-03-02", category="Science"))
    site.write("b.md", article("Beta, edited", date="2024-03-01", category="Science"))
    result = cli("build", cwd=site.root)
    refused(result, "cannot write the site into site", "b/index.html")
    assert snapshot(site.out) == before and leftovers(site.root) == []


def test_a_damaged_cache_never_leaves_a_mixed_site(make_site, cli):
    site = make_site(GOOD)
    cli("build", cwd=site.root, check=True)
    before = snapshot(site.out)
    for body in (site.root / ".explainer-cache" / "bodies").iterdir():
        body.write_bytes(b"\x80\x04 damaged")
    site.write("a/index.md", article("Alpha, edited", date="2024-03-02", category="Physics"))   # every page again
    result = cli("build", cwd=site.root)
    if result.code:
        refused(result)
        assert snapshot(site.out) == before
    else:
        assert "Alpha, edited" in site.page("a/index.html") and "Lede." in site.page("b/index.html")
    assert leftovers(site.root) == []


# --- what content/ may not replace -------------------------------------------------------------------------

SLUG_CLASHES = ["index.html.md", "404.html.md", "feed.xml.md", "sitemap.xml.md", "robots.txt.md",
                "Index.HTML.md", "index.html/index.md"]


@pytest.mark.parametrize("source", SLUG_CLASHES)
def test_a_slug_that_is_a_generated_file_is_an_error_at_its_source(make_site, cli, source):
    site = make_site({**GOOD, "site.yml": ABSOLUTE})
    cli("build", cwd=site.root, check=True)
    before = snapshot(site.out)
    site.write(source, article("Clash"))
    result = cli("build", cwd=site.root)
    refused(result, f"content/{source}: '", "cannot be an explainer's URL")
    assert snapshot(site.out) == before


STATIC_CLASHES = {"index.html": "index.html", "404.html": "404.html", "feed.xml": "feed.xml",
                  "sitemap.xml": "sitemap.xml",      # (content/robots.txt is the one exception: it wins)
                  "category/science/index.html": "category/science/index.html",
                  "category/science/feed.xml": "category/science/feed.xml",
                  "a/index.html": "a/index.html",          # in a bundle: the explainer's own page
                  "feed.xml/x.png": "feed.xml", "b/index.html/x.png": "b/index.html"}


@pytest.mark.parametrize("static, clash", STATIC_CLASHES.items(), ids=STATIC_CLASHES.keys())
def test_a_content_file_cannot_replace_a_generated_page(make_site, cli, static, clash):
    site = make_site({**GOOD, "site.yml": ABSOLUTE})
    cli("build", cwd=site.root, check=True)
    before = snapshot(site.out)
    site.write(static, "<h1>not the generated page</h1>")
    result = cli("build", cwd=site.root)
    refused(result, f"content/{static}:", f"clashes with {clash}")
    assert snapshot(site.out) == before


def test_content_files_beside_pages_are_still_copied(make_site, cli):
    site = make_site({**GOOD, "site.yml": ABSOLUTE, "a/data.csv": "x,y\n", "category/notes.txt": "n",
                      "index.htm": "<p>old home</p>"})
    cli("build", cwd=site.root, check=True)
    assert (site.out / "a/data.csv").is_file() and (site.out / "category/notes.txt").is_file()
    assert (site.out / "index.htm").is_file()


# --- permissions (root ignores them, so as root the build runs as nobody) -------------------------------

NOBODY = 65534


def build_unprivileged(site, *args: str) -> tuple[int, str]:
    """`explainer build` in a forked child that file permissions apply to; its exit status and stderr."""
    import generator.cli
    err = site.root.parent / f"stderr-{os.getpid()}.txt"
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            sys.stderr = open(err, "w", encoding="utf-8")  # noqa: SIM115 - open until the child's os._exit
            if os.getuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            os.chdir(site.root)
            code = generator.cli.main(["build", *args])
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), err.read_text()


@pytest.fixture
def unprivileged_site(make_site, tmp_path):
    """A built site that the unprivileged child owns, with every folder on the way to it passable."""
    site = make_site(GOOD)
    build(load_config(site.content, site.out))     # as this process, so every module is imported
    opened = []
    for folder in reversed(tmp_path.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            opened.append((folder, mode))
    if os.getuid() == 0:
        for folder, dirs, names in os.walk(tmp_path):
            for name in [folder, *(os.path.join(folder, n) for n in dirs + names)]:
                os.lchown(name, NOBODY, NOBODY)
    yield site
    for folder, dirs, _ in os.walk(tmp_path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs)]:
            os.chmod(name, 0o755)
    for folder, mode in opened:
        folder.chmod(mode)


def make_read_only(folder: Path) -> None:
    for path, _, _ in os.walk(folder):
        os.chmod(path, 0o555)


def test_a_read_only_site_is_a_clear_error_and_stays_as_it_was(unprivileged_site):
    site = unprivileged_site
    site.write("b.md", article("Beta, edited", date="2024-03-01", category="Science"))
    make_read_only(site.out)
    before = snapshot(site.out)
    code, err = build_unprivileged(site)
    assert code == 1 and err.startswith("error: cannot write the site into site: site/") and \
        "Permission denied" in err and "Traceback" not in err, err
    assert snapshot(site.out) == before and leftovers(site.root) == []


def test_a_full_build_replaces_a_read_only_site_it_made(unprivileged_site):
    site = unprivileged_site
    make_read_only(site.out)
    code, err = build_unprivileged(site, "--no-cache")
    assert code == 0, err
    assert (site.out / "index.html").is_file() and leftovers(site.root) == []


def test_a_read_only_folder_around_the_site_is_a_clear_error(unprivileged_site):
    site = unprivileged_site
    site.write("b.md", article("Beta, edited", date="2024-03-01", category="Science"))
    before = snapshot(site.out)
    site.root.chmod(0o555)
    code, err = build_unprivileged(site, "--no-cache")
    assert code == 1 and "cannot write the site into site" in err and "Permission denied" in err and \
        "Traceback" not in err, err
    assert snapshot(site.out) == before


@pytest.mark.parametrize("source, expected", [
    ("404.html", "content/404.html: error: build/error: this file would be published as 404.html"),
    ("index.html.md", "content/index.html.md: error: build/error: 'index.html' cannot be an explainer's URL")])
def test_check_fails_a_site_whose_content_clashes_with_generated_files(make_site, cli, source, expected):
    site = make_site({**GOOD, source: article("Clash")})
    result = cli("check", cwd=site.root)
    assert result.code == 1 and expected in result.out and "Traceback" not in result.err, result.out + result.err


def test_a_long_running_build_keeps_its_own_old_staging_folder(tmp_path):
    # The preview builds again and again in one process: its bodies folder may go a day without a change.
    out = tmp_path / "site"
    mine = outfolder.make_scratch(out, "bodies")
    outfolder.remove_leftovers(out, now=time.time() + 3 * 86400)
    assert mine.is_dir()
