"""Hostile input: YAML and Markdown that explode, impossible dates, links out of content/, raw HTML.

Each case must end in a `file:line: message (hint)` error (or a documented, safe result) quickly, with no
traceback, and nothing from outside content/ may reach site/.
"""
from __future__ import annotations

import http.client
import json
import os
import pickle
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import REPO, article
from generator import cli, yamlfile
from generator.deploy import s3 as s3_publisher
from generator.deploy.plan import site_files
from generator.errors import ConfigError, ContentError, DeployError, ExplainerError, redact
from test_deploy import keys, newsroom, s3, s3_server  # noqa: F401 - fixtures: a real moto server, a bucket
from test_errors import png

QUICK = 10   # seconds; generous (the old behaviour was minutes), the point is "not minutes"

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([previous] * 9)}]\n"
    for name, previous in zip("abcdefghi", ["x", "*a", "*b", "*c", "*d", "*e", "*f", "*g", "*h"]))


def in_process(site, capsys, *args: str) -> tuple[int, str]:
    """`explainer ARGS` in-process from the site's folder; (exit code, stderr)."""
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        code = cli.main(list(args))
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().err


def run_build(site, *extra: str, capsys) -> tuple[int, str]:
    return in_process(site, capsys, "build", "--no-cache", *extra)


def assert_refused(site, capsys, where: str, message: str) -> str:
    started = time.monotonic()
    code, err = run_build(site, capsys=capsys)
    assert time.monotonic() - started < QUICK
    assert code == 1, err
    assert f"error: {where}: {message}" in err, err
    assert "Traceback" not in err
    assert not site.out.exists(), "a failed build writes nothing"
    return err


# --- YAML that explodes -----------------------------------------------------------------------------

def test_the_billion_laughs_is_the_size_of_a_tweet():
    assert len(BILLION_LAUGHS) < 527


def test_an_anchor_bomb_in_site_yml_is_refused_at_once(make_site, capsys):
    site = make_site({"a.md": article(), "site.yml": "title: Desk\ncheck:\n  disable: []\n"
                      + "".join(f"  {line}\n" for line in BILLION_LAUGHS.splitlines())})
    assert_refused(site, capsys, "content/site.yml:8", "YAML aliases expand to more than 10,000 values")


def test_an_anchor_bomb_in_front_matter_is_refused_at_once(make_site, capsys):
    bomb = "".join(f"  {line}\n" for line in BILLION_LAUGHS.splitlines())
    site = make_site({"a.md": f"---\ntitle: T\ndate: 2024-01-02\nfacts:\n{bomb}---\nLede.\n"})
    assert_refused(site, capsys, "content/a.md:9", "YAML aliases expand to more than 10,000 values")


def test_an_anchor_bomb_in_facts_yml_is_refused_at_once(make_site, capsys):
    site = make_site({"a/index.md": article(), "a/facts.yml": BILLION_LAUGHS})
    assert_refused(site, capsys, "content/a/facts.yml:5", "YAML aliases expand to more than 10,000 values")


@pytest.mark.parametrize("levels", [101, 800, 5000])
def test_lists_nested_too_deep_are_refused_at_once(make_site, capsys, levels):
    site = make_site({"a.md": f"---\ntitle: T\ndate: 2024-01-02\nx: {'[' * levels}{']' * levels}\n---\nLede.\n"})
    assert_refused(site, capsys, "content/a.md:4", "YAML nested too deeply: more than 100 levels")


def test_block_nesting_is_refused_at_the_line_that_goes_too_deep(make_site, capsys):
    nested = "".join("  " * level + f"k{level}:\n" for level in range(150))
    site = make_site({"a/index.md": article(), "a/facts.yml": nested})
    assert_refused(site, capsys, "content/a/facts.yml:101", "YAML nested too deeply")


LIMIT_CASES = {
    "bomb": (BILLION_LAUGHS, 5, "YAML aliases expand to more than 10,000 values"),
    "flow 5000": ("a: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", 2, "YAML nested too deeply"),
    "flow 800": ("x: " + "[" * 800 + "]" * 800 + "\n", 1, "YAML nested too deeply"),
    "block": ("x:\n" + "".join("  " * i + "-\n" for i in range(300)), 101, "YAML nested too deeply"),
    "deep alias": ("a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 50 + "*a" + "]" * 50 + "\n", 2,
                   "YAML nested too deeply: more than 100 levels once *a is expanded"),
    "self alias": ("a: &a [1, *a]\n", 1, "YAML alias *a refers to the value it is inside of"),
    "self alias in a mapping": ("a: &a {b: *a}\n", 1, "YAML alias *a refers to the value it is inside of"),
}


@pytest.mark.parametrize("case", LIMIT_CASES)
@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["C", "pure"])
def test_both_loaders_refuse_the_same_way(case, loader):
    text, line, message = LIMIT_CASES[case]
    started = time.monotonic()
    with pytest.raises(ContentError) as err:
        yamlfile.parse(text, Path("x.yml"), first_line=1, loader=loader)
    assert time.monotonic() - started < QUICK
    assert str(err.value).startswith(f"x.yml:{line}: {message}"), str(err.value)


@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["C", "pure"])
def test_ordinary_anchors_and_nesting_still_load(loader):
    text = ("defaults: &defaults {kind: s3, region: eu-west-1}\n"
            "deploy:\n  - <<: *defaults\n    name: live\n  - <<: *defaults\n    name: staging\n"
            "deep: " + "[" * 99 + "1" + "]" * 99 + "\n")
    data = yamlfile.parse(text, Path("x.yml"), loader=loader)
    assert data["deploy"][1] == {"kind": "s3", "region": "eu-west-1", "name": "staging"}
    many = "x: &x [" + ", ".join(["1"] * 99) + "]\n" + "".join(f"k{n}: *x\n" for n in range(100))
    assert len(yamlfile.parse(many, Path("x.yml"), loader=loader)) == 101   # 10,000 values: the limit


def test_emphasis_nested_thousands_deep_is_an_error_not_a_recursion_error(make_site, capsys):
    site = make_site({"a.md": article(body="Lede.\n\nFine line.\n\n" + "*" * 5000 + "x" + "*" * 5000 + "\n")})
    assert_refused(site, capsys, "content/a.md:9", "Markdown nested too deeply to convert")


def test_underscores_nested_thousands_deep_in_a_bundle(make_site, capsys):
    site = make_site({"a/index.md": article(body="_" * 5000 + "x" + "_" * 5000 + "\n")})
    assert_refused(site, capsys, "content/a/index.md:5", "Markdown nested too deeply to convert")


# --- impossible dates and times -----------------------------------------------------------------------

IMPOSSIBLE = {
    "2026-02-30": "day is out of range for month",
    "2026-13-01": "month must be in 1..12",
    "2026-01-01T25:00:00": "hour must be in 0..23",
    "2026-01-01T10:00:00+25:00": "a time zone offset must be less than 24 hours",
}


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_date_in_front_matter_names_the_value_and_line(make_site, capsys, value):
    site = make_site({"a.md": article(date=value)})
    err = assert_refused(site, capsys, "content/a.md:3", f"not a real date: {value} ({IMPOSSIBLE[value]};")
    assert "quotes" in err


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_date_anywhere_else(make_site, capsys, value):
    site = make_site({"a/index.md": article(updated=value)})
    assert_refused(site, capsys, "content/a/index.md:4", f"not a real date: {value}")
    site.write("a/index.md", article(updates=f"\n  - date: 2024-01-03\n    note: fine\n  - date: {value}\n"
                                              "    note: impossible"))
    assert_refused(site, capsys, "content/a/index.md:7", f"not a real date: {value}")
    site.write("a/index.md", article())
    site.write("a/facts.yml", f"- label: Founded\n  value: {value}\n")
    assert_refused(site, capsys, "content/a/facts.yml:2", f"not a real date: {value}")
    site.write("a/facts.yml", "- label: Founded\n  value: 1999\n")
    site.write("site.yml", f"title: Desk\nlaunch: {value}\n")
    assert_refused(site, capsys, "content/site.yml:2", f"not a real date: {value}")


@pytest.mark.parametrize("loader", [yamlfile.FAST_LOADER, yamlfile.PURE_LOADER], ids=["C", "pure"])
def test_both_loaders_agree_on_impossible_dates(loader):
    for value, reason in IMPOSSIBLE.items():
        with pytest.raises(ContentError) as err:
            yamlfile.parse(f"a: 1\nb: [{value}]\n", Path("x.yml"), first_line=3, loader=loader)
        assert str(err.value).startswith(f"x.yml:4: not a real date: {value} ({reason};")
    assert str(yamlfile.parse("a: 2026-02-28\n", Path("x.yml"), loader=loader)["a"]) == "2026-02-28"


# --- symbolic links and special files in content/ -----------------------------------------------------

SECRET = "the newsroom's API key: hunter2\n"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file outside the content folder, as a CI machine's secrets would be."""
    path = tmp_path / "elsewhere" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def published_text(site) -> str:
    return "".join(p.read_text(errors="replace") for p in site.out.rglob("*") if p.is_file())


def cli_subprocess(site, *args: str) -> tuple[int, str]:
    """The real CLI with a short timeout: a named pipe that is opened blocks for ever instead of failing."""
    proc = subprocess.run([sys.executable, "-m", "generator", *args], cwd=site.root, capture_output=True,
                          text=True, timeout=QUICK, env=dict(os.environ, PYTHONPATH=str(REPO)))
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("target", ["/etc/passwd", "outside"])
def test_a_link_in_a_bundle_to_a_file_outside_content_is_an_error_and_never_copied(
        make_site, capsys, outside, target):
    site = make_site({"h/index.md": article("H")})
    target = outside if target == "outside" else Path(target)
    (site.content / "h" / "notes.txt").symlink_to(target)
    assert_refused(site, capsys, "content/h/notes.txt",
                   f"a link to a file outside content/: {os.path.realpath(target)} "
                   "(copy the file into content/ instead)")
    assert not (site.out / "h" / "notes.txt").exists()


def test_a_failed_build_keeps_the_last_good_site(make_site, capsys, outside):
    site = make_site({"h/index.md": article("H"), "h/chart.txt": "fine\n"})
    assert run_build(site, capsys=capsys)[0] == 0
    before = {p: p.read_bytes() for p in site.out.rglob("*") if p.is_file()}
    (site.content / "h" / "notes.txt").symlink_to(outside)
    code, err = run_build(site, capsys=capsys)
    assert code == 1 and "content/h/notes.txt: a link to a file outside content/" in err
    assert {p: p.read_bytes() for p in site.out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("where", ["top", "static folder", "nested in a bundle"])
def test_links_out_of_content_anywhere_are_errors_not_tracebacks(make_site, capsys, outside, where):
    site = make_site({"a.md": article(), "h/index.md": article("H"), "images/chart.txt": "ok\n"})
    link = {"top": "notes.txt", "static folder": "images/notes.txt",
            "nested in a bundle": "h/deep/er/n.txt"}[where]
    (site.content / link).parent.mkdir(parents=True, exist_ok=True)
    (site.content / link).symlink_to(outside)
    assert_refused(site, capsys, f"content/{link}", "a link to a file outside content/")
    assert SECRET not in published_text(site)


def test_a_link_at_the_top_to_a_folder_outside_content_is_an_error(make_site, capsys, outside):
    site = make_site({"a.md": article()})
    (site.content / "etc").symlink_to("/etc")
    (site.content / "stolen").symlink_to(outside.parent)
    err = assert_refused(site, capsys, "content/etc", "a link to a folder outside content/: /etc "
                         "(copy the folder into content/ instead)")
    assert "error: content/stolen: a link to a folder outside content/" in err


def test_an_explainer_that_is_a_link_to_outside_content_is_an_error(make_site, capsys, tmp_path):
    site = make_site({"a.md": article()})
    elsewhere = tmp_path / "drafts" / "b.md"
    elsewhere.parent.mkdir()
    elsewhere.write_text(article("Outside"))
    (site.content / "b.md").symlink_to(elsewhere)
    (site.content / "h").mkdir()
    (site.content / "h" / "index.md").symlink_to(elsewhere)
    err = assert_refused(site, capsys, "content/b.md", "a link to a file outside content/")
    assert "error: content/h/index.md: a link to a file outside content/" in err


@pytest.mark.parametrize("name", ["site.yml", "h/facts.yml"])
def test_site_yml_and_facts_yml_must_not_lead_out_of_content(make_site, capsys, tmp_path, name):
    site = make_site({"h/index.md": article("H")})
    elsewhere = tmp_path / "shared.yml"
    elsewhere.write_text("title: Borrowed\n" if name == "site.yml" else "- label: L\n  value: V\n")
    (site.content / name).symlink_to(elsewhere)
    assert_refused(site, capsys, f"content/{name}", "a link to a file outside content/")


def test_links_inside_content_are_followed_and_published_under_their_own_name(make_site, capsys):
    site = make_site({"h/index.md": article("H", body="[![Chart](alias.png)](alias.png)\n"), "h/chart.png": png(30, 20),
                      "images/logo.txt": "logo\n", "a.md": article()})
    (site.content / "h" / "alias.png").symlink_to("chart.png")
    (site.content / "latest.txt").symlink_to("images/logo.txt")
    (site.content / "h" / "shared").symlink_to("../images")
    (site.content / "pictures").symlink_to("images")
    code, err = run_build(site, capsys=capsys)
    assert code == 0, err
    assert (site.out / "h" / "alias.png").read_bytes() == (site.content / "h" / "chart.png").read_bytes()
    assert not (site.out / "h" / "alias.png").is_symlink()
    assert (site.out / "latest.txt").read_text() == "logo\n"
    assert (site.out / "h" / "shared" / "logo.txt").read_text() == "logo\n"
    assert (site.out / "pictures" / "logo.txt").read_text() == "logo\n"
    shown = images(site.page("h/index.html"))[0]
    assert 'height="20"' in shown and 'width="30"' in shown


@pytest.mark.parametrize("link", ["loop", "h/loop", "h/up", "h/sub/top", "h/a"])
def test_link_loops_are_errors_not_hangs(make_site, capsys, link):
    site = make_site({"h/index.md": article("H"), "h/sub/x.txt": "x\n"})
    if link == "h/a":
        (site.content / "h" / "a").symlink_to("b")
        (site.content / "h" / "b").symlink_to("a")
    else:
        target = {"loop": "loop", "h/loop": "loop", "h/up": ".", "h/sub/top": "../.."}[link]
        (site.content / link).symlink_to(target)
    started = time.monotonic()
    code, err = run_build(site, capsys=capsys)
    assert time.monotonic() - started < QUICK
    assert code == 1 and "Traceback" not in err
    expected = ("a link to a folder it is in" if link in ("h/up", "h/sub/top")
                else "a link that leads back to itself (a loop of symbolic links)")
    assert f"error: content/{link}: {expected}" in err, err


def test_a_link_to_nothing_is_an_error(make_site, capsys):
    site = make_site({"h/index.md": article("H")})
    (site.content / "h" / "gone.png").symlink_to("moved-away.png")
    assert_refused(site, capsys, "content/h/gone.png", "a link to something that does not exist: moved-away.png")


@pytest.mark.parametrize("place", ["h/pipe.txt", "pipe.txt", "images/pipe.png", "h/facts.yml", "site.yml"])
def test_a_named_pipe_in_content_is_an_error_and_never_opened(make_site, place):
    site = make_site({"h/index.md": article("H", body="![Pipe](pipe.png)\n"), "images/ok.txt": "ok\n"})
    os.mkfifo(site.content / place)
    code, err = cli_subprocess(site, "build")
    assert code == 1 and "Traceback" not in err
    assert f"error: content/{place}: a named pipe, not a file (only files and folders can be published" in err


def test_a_named_pipe_is_never_opened_even_where_content_is_ignored(make_site, capsys):
    site = make_site({"h/index.md": article("H", body="![Pipe](_pipe.png)\n\n![Out](_out.png)\n")})
    os.mkfifo(site.content / "h" / "_pipe.png")
    code, err = cli_subprocess(site, "build")
    assert code == 0, err
    assert len(images(site.page("h/index.html"))) == 2
    assert not any("width=" in img for img in images(site.page("h/index.html")))


def test_a_socket_in_content_is_an_error(make_site, capsys):
    site = make_site({"a.md": article()})
    server = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(site.content)   # AF_UNIX paths are short; bind by a relative name
    try:
        server.bind("editor.sock")
    finally:
        os.chdir(cwd)
    try:
        assert_refused(site, capsys, "content/editor.sock", "a socket, not a file")
    finally:
        server.close()


@pytest.mark.parametrize("kind", ["outside", "pipe", "loop"])
def test_the_hero_image_must_be_a_file_inside_content(make_site, capsys, outside, kind):
    site = make_site({"h/index.md": article("H", image="\n  src: _hero.png\n  alt: A hero")})
    hero = site.content / "h" / "_hero.png"   # ignored by discover: read_image must refuse it itself
    {"outside": lambda: hero.symlink_to(outside), "pipe": lambda: os.mkfifo(hero),
     "loop": lambda: hero.symlink_to("_hero.png")}[kind]()
    expected = {"outside": "image _hero.png is a link to a file outside content/",
                "pipe": "image _hero.png is a named pipe, not a file",
                "loop": "image _hero.png is a link that leads back to itself"}[kind]
    code, err = run_build(site, capsys=capsys) if kind != "pipe" else cli_subprocess(site, "build")
    assert code == 1 and "Traceback" not in err
    assert f"error: content/h/index.md:5: {expected}" in err, err


def test_check_reports_links_out_of_content_as_build_errors(make_site, outside):
    site = make_site({"h/index.md": article("H")})
    (site.content / "h" / "notes.txt").symlink_to(outside)
    code, err = cli_subprocess(site, "check")
    assert code == 1 and "Traceback" not in err
    proc = subprocess.run([sys.executable, "-m", "generator", "check", "--format", "json"], cwd=site.root,
                          capture_output=True, text=True, timeout=QUICK,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    findings = json.loads(proc.stdout)["findings"]
    assert {k: v for k, v in findings[0].items() if k != "message"} == \
        {"path": "content/h/notes.txt", "line": None, "level": "error", "rule": "build/error"}
    assert findings[0]["message"].startswith("a link to a file outside content/")


def images(html: str) -> list[str]:
    return re.findall(r"<img[^>]*>", html)


# --- S3: a connection lost in the middle of a deploy; credentials in URLs ------------------------------


class FailingLink:
    """A loopback HTTP proxy in front of the S3 server that passes `allow` object uploads, then resets the
    connection of every later one (`reset`), or never answers it (`hang`)."""

    def __init__(self, upstream: str, allow: int, mode: str):
        self.uploads, self.released = 0, threading.Event()
        link, target = self, urlsplit_port(upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "PUT" and self.path.count("/") >= 2:   # an object, not the bucket
                    link.uploads += 1
                    if link.uploads > allow:
                        if mode == "hang":
                            link.released.wait(30)
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.close_connection = True
                        return   # closed with SO_LINGER 0: the client reads a connection reset
                upstream_conn = http.client.HTTPConnection("127.0.0.1", target, timeout=30)
                upstream_conn.request(self.command, self.path, body, dict(self.headers.items()))
                answer = upstream_conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def urlsplit_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def bucket_target(bucket: str, endpoint: str) -> str:
    return (f"  - name: bucket\n    kind: s3\n    bucket: {bucket}\n    prefix: news\n"
            f"    endpoint_url: {endpoint}\n")


def deploy_in_process(site, capsys, *args: str) -> tuple[int, str]:
    return in_process(site, capsys, "deploy", "bucket", *args)


@pytest.mark.slow   # a moto server
@pytest.mark.parametrize("mode", ["reset", "hang"])
def test_a_connection_lost_mid_upload_says_how_far_it_got_and_a_second_deploy_finishes(
        make_site, s3, s3_server, monkeypatch, capsys, mode):  # noqa: F811 - the fixtures imported from test_deploy
    client, bucket = s3
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")           # botocore retries once, through the same failing link
    monkeypatch.setattr(s3_publisher, "READ_TIMEOUT", 1)  # a hung upload gives up after a second, not a minute
    link = FailingLink(s3_server, allow=3, mode=mode)
    try:
        site = newsroom(make_site, bucket_target(bucket, link.url))
        code, err = deploy_in_process(site, capsys)
    finally:
        link.close()
    total = len(site_files(site.out))
    assert code == 1 and "Traceback" not in err, err
    lost = "timed out" if mode == "hang" else "lost the connection"
    assert f"error: s3 deploy to s3://{bucket}/news/ {lost} (" in err, err
    assert f"; 3 of {total} new or changed files were uploaded, nothing was deleted (the site at " \
           f"s3://{bucket}/news/ may be partly updated: run `explainer deploy bucket` again to finish" in err
    assert len(keys(client, bucket)) == 3

    site.write("site.yml", "title: Test desk\ndeploy:\n" + bucket_target(bucket, s3_server))
    code, err = deploy_in_process(site, capsys, "--no-build")
    assert code == 0, err
    assert keys(client, bucket) == set(site_files(site.out))


def test_credentials_in_an_endpoint_url_never_reach_the_output(make_site, monkeypatch, capsys, tmp_path):
    for name, value in {"AWS_ACCESS_KEY_ID": "AKIAFAKEFORTESTS", "AWS_SECRET_ACCESS_KEY": "fake-secret",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    pytest.importorskip("boto3")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()   # nothing listens there: botocore's error quotes the endpoint URL
    site = newsroom(make_site, bucket_target("explainers", f"http://desk-user:pa%40ss-w0rd@127.0.0.1:{port}"))
    code, err = deploy_in_process(site, capsys)
    assert code == 1 and "Traceback" not in err
    assert "pa%40ss-w0rd" not in err and "desk-user" not in err
    assert f"http://***@127.0.0.1:{port}/" in err, err


def test_every_error_redacts_urls_in_its_message_and_hint():
    secret = "https://x-access-token:ghs_s3cret@github.com/org/site.git"
    for kind in (ExplainerError, ConfigError, ContentError, DeployError):
        err = kind(f"push to {secret} failed", hint=f"check {secret}")
        for text in (str(err), err.message, err.hint, str(pickle.loads(pickle.dumps(err)))):
            assert "ghs_s3cret" not in text and "x-access-token" not in text, text
        assert "https://***@github.com/org/site.git" in str(err)
    assert redact("http://user:p@ss@host/x and git@github.com:org/site.git") == \
        "http://***@host/x and git@github.com:org/site.git"
    assert redact("see https://example.org/a@b and mailto:desk@example.org") == \
        "see https://example.org/a@b and mailto:desk@example.org"


def test_a_malformed_endpoint_url_is_a_config_error_with_its_line(make_site, monkeypatch, capsys):
    pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFORTESTS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    site = newsroom(make_site, bucket_target("explainers", "not a url"))
    code, err = deploy_in_process(site, capsys, "--dry-run")
    assert code == 1 and "Traceback" not in err
    assert "error: content/site.yml:7: deploy target 'bucket': Invalid endpoint: not a url" in err, err


# --- raw HTML and javascript: links in Markdown ---------------------------------------------------------

TRICKS = ["[a](javascript:alert(1))", "[b](JaVaScRiPt:alert(1))", "[c](&#106;avascript:alert(1))",
          "[d](java&#x09;script:alert(1))", "[e](javascript&colon;alert(1))", "[f](<javascript:alert(1)>)",
          "[g](vbscript:msgbox)", "[h](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
          "[i][ref]", "![j](javascript:alert(1))", "![k](data:image/svg+xml;base64,PHN2Zz4=)",
          "[l](http://example.org){: formaction=\"javascript:alert(1)\" }"]
RAW = ('Raw <b onclick="track()">bold</b> and <a href="https://example.org/raw">a raw link</a>.\n\n'
       "<script>window.loaded = true;</script>\n\n<!-- a note between editors -->\n\n"
       "Handler by attr list.\n{: onmouseover=\"track()\" }\n")


def page_links(html: str) -> dict[str, list[str]]:
    """Every href and src in the explainer's article (without its share links), as a browser would read them
    (entities decoded)."""
    from html.parser import HTMLParser
    found: dict[str, list[str]] = {"href": [], "src": [], "formaction": [], "tags": []}

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found["tags"].append(tag)
            for name, value in attrs:
                if name in found:
                    found[name].append(value)
    article_html = html[html.index("<article"):html.index("</article>")].split('<section class="share"')[0]
    Links().feed(article_html)
    return found


def test_javascript_vbscript_and_data_targets_are_removed_from_markdown_links_and_images(make_site, capsys):
    body = "Lede.\n\n" + "\n\n".join(TRICKS) + "\n\n[ref]: javascript:alert(1)\n\n" \
        "[safe](https://example.org/x) [mail](mailto:desk@example.org) [call](tel:+15550100) [here](#top)\n"
    site = make_site({"a/index.md": article("A", body=body)})
    code, err = run_build(site, capsys=capsys)
    assert code == 0, err
    links = page_links(site.page("a/index.html"))
    from generator.markdown.sections import url_scheme
    assert [url_scheme(u) for u in links["href"] + links["src"] + links["formaction"]] == \
        ["http", "https", "mailto", "tel", None], links
    html = site.page("a/index.html")
    for text in "abcdefghil":
        assert f">{text}</a>" in html, text   # the link's text stays, without the link


def test_raw_html_is_allowed_by_default_and_escaped_with_raw_html_false(make_site, capsys):
    site = make_site({"a/index.md": article("A", body=RAW)})
    assert run_build(site, capsys=capsys)[0] == 0
    html = site.page("a/index.html")
    assert '<b onclick="track()">bold</b>' in html and "<script>window.loaded = true;</script>" in html
    assert 'onmouseover="track()"' in html and "a note between editors" in html   # a comment, as written

    site.write("site.yml", "title: Desk\nraw_html: false\n")
    assert run_build(site, capsys=capsys)[0] == 0
    html = site.page("a/index.html")
    body = html[html.index("<article"):html.index("</article>")]
    tags = page_links(html)["tags"]
    assert "script" not in tags and "b" not in tags and "onmouseover" not in body
    assert "&lt;script&gt;window.loaded = true;&lt;/script&gt;" in body and "&lt;b onclick=" in body
    assert "a note between editors" not in html, "comments are still left out"


def test_raw_html_setting_is_part_of_the_body_cache_key(make_site, capsys):
    site = make_site({"a/index.md": article("A", body=RAW)})
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        def build() -> str:
            assert cli.main(["build"]) == 0, capsys.readouterr().err
            return site.page("a/index.html")
        assert "<script>window" in build()
        site.write("site.yml", "raw_html: false\n")
        assert "<script>window" not in build()        # with .explainer-cache/ from the first build
        site.write("site.yml", "raw_html: true\n")
        assert "<script>window" in build()
    finally:
        os.chdir(cwd)


def test_the_preview_builder_converts_again_when_raw_html_changes(make_site):
    from generator.build import Builder
    from generator.config import load_config
    site = make_site({"a/index.md": article("A", body=RAW)})
    builder = Builder(lambda: load_config(site.content, site.out))
    builder.build()
    assert "<script>window" in site.page("a/index.html")
    site.write("site.yml", "raw_html: false\n")
    builder.build()
    assert "<script>window" not in site.page("a/index.html")


def test_raw_html_must_be_true_or_false(make_site, capsys):
    site = make_site({"a.md": article(), "site.yml": "title: Desk\nraw_html: sometimes\n"})
    assert_refused(site, capsys, "content/site.yml:2", "'raw_html' must be true or false")


CHECKED = """---
title: Checked
date: 2024-01-02
summary: One sentence.
---
Lede with <b onclick="track()">bold</b> and [a link](javascript:alert(1)).

**Why it matters:** <script>alert(1)</script> and <img src=x onerror=alert(1)>.

**The big picture:** ![pixel](data:image/png;base64,AAAA) [file](file:///etc/passwd) [ok](https://example.org)
[mail](mailto:desk@example.org) [call](tel:+15550100) [there](#why-it-matters)

<iframe src="https://www.youtube.com/embed/abc"></iframe>

[ref]: &#106;avascript:alert(1)

Handlers by attr list.
{: onmouseover="track()" }

In `<script>` code spans and `[x](javascript:no)` nothing is reported.

```html
<script>fenced()</script>
<a href="javascript:fenced()">fenced</a>
```

<a href='JaVaScript:void(0)'>raw</a>
"""


def check_json(site) -> list[tuple]:
    proc = subprocess.run([sys.executable, "-m", "generator", "check", "--format", "json"], cwd=site.root,
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert "Traceback" not in proc.stderr, proc.stderr
    return sorted((f["line"], f["rule"], f["level"]) for f in json.loads(proc.stdout)["findings"]
                  if f["rule"].startswith(("content/raw-html", "links/unsafe")))


def test_check_reports_every_script_handler_frame_and_unsafe_link_with_its_line(make_site):
    site = make_site({"story/index.md": CHECKED})
    warning = "warning"
    assert check_json(site) == [
        (6, "content/raw-html-handler", warning), (6, "links/unsafe-scheme", warning),
        (8, "content/raw-html-handler", warning), (8, "content/raw-html-script", warning),
        (10, "links/unsafe-scheme", warning), (10, "links/unsafe-scheme", warning),
        (13, "content/raw-html-iframe", warning),
        (15, "links/unsafe-scheme", warning),
        (18, "content/raw-html-handler", warning),
        (27, "links/unsafe-scheme", warning)]


def test_check_text_output_names_file_line_rule_and_what_happens(make_site):
    site = make_site({"story/index.md": CHECKED})
    proc = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=site.root, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO)))
    out = proc.stdout
    assert "content/story/index.md:8: warning: content/raw-html-script: a <script> in the text (it reaches " \
           "the page as written" in out
    assert "content/story/index.md:6: warning: links/unsafe-scheme: 'javascript:alert(1)' uses javascript: " \
           "(removed from the page" in out
    assert "content/story/index.md:10: warning: links/unsafe-scheme: 'file:///etc/passwd' uses file: " \
           "(readers' browsers may not open it" in out
    assert "content/story/index.md:27: warning: links/unsafe-scheme: 'JaVaScript:void(0)' uses javascript: " \
           "(raw HTML reaches the page as written: it runs when clicked" in out
    site.write("site.yml", "raw_html: false\n")
    out = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=site.root, capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO))).stdout
    assert "content/story/index.md:8: warning: content/raw-html-script: a <script> in the text (site.yml has " \
           "raw_html: false, so it shows as text)" in out
    assert "content/story/index.md:18: warning: content/raw-html-handler: an inline event handler, " \
           "onmouseover= (site.yml has raw_html: false, so it is removed)" in out
    assert ":27: warning: links/unsafe-scheme" not in out   # the raw <a> is text now


def test_the_raw_html_rules_can_be_turned_off_like_any_other(make_site):
    site = make_site({"story/index.md": CHECKED,
                      "site.yml": "check:\n  disable: [content/raw-html-script, links/unsafe-scheme]\n"})
    rules = {rule for _, rule, _ in check_json(site)}
    assert rules == {"content/raw-html-handler", "content/raw-html-iframe"}


@pytest.mark.parametrize("url, scheme", [
    ("javascript:alert(1)", "javascript"), (" \x01JavaScript:x", "javascript"),
    ("&#106;avascript:x", "javascript"),
    ("java\tscr\nipt:x", "javascript"), ("javascript&colon;x", "javascript"), ("&#x6A;avascript:x", "javascript"),
    ("https://example.org", "https"), ("../story/", None), ("#top", None), ("story.md", None),
    ("/static/x.png", None), ("mailto:a@b.org", "mailto"), ("a:b/c", "a")])
def test_url_scheme_reads_what_a_browser_reads(url, scheme):
    from generator.markdown.sections import url_scheme
    assert url_scheme(url) == scheme


@pytest.mark.parametrize("site_yml, line, message", [
    ("title: Desk\nlaunch: 2026-02-30\n", 2, "not a real date: 2026-02-30"),
    ("title: Desk\ncheck:\n" + "".join(f"  {line}\n" for line in BILLION_LAUGHS.splitlines()), 7,
     "YAML aliases expand to more than 10,000 values")])
def test_check_reports_a_broken_site_yml_as_a_finding_in_json_too(make_site, site_yml, line, message):
    site = make_site({"a.md": article(), "site.yml": site_yml})
    proc = subprocess.run([sys.executable, "-m", "generator", "check", "--format", "json"], cwd=site.root,
                          capture_output=True, text=True, timeout=QUICK,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    [finding] = json.loads(proc.stdout)["findings"]
    assert (finding["path"], finding["line"], finding["rule"]) == ("content/site.yml", line, "build/error")
    assert finding["message"].startswith(message)


@pytest.mark.slow   # 60 explainers, converted by a process pool
def test_a_link_out_of_content_is_refused_by_the_parallel_build_too(make_site, capsys, outside):
    site = make_site({f"s{n:02}/index.md": article(f"Story {n}") for n in range(60)})
    (site.content / "s33" / "notes.txt").symlink_to(outside)
    assert_refused_with(site, capsys, ["--jobs", "2"], "content/s33/notes.txt",
                        "a link to a file outside content/")


def assert_refused_with(site, capsys, extra: list[str], where: str, message: str) -> None:
    code, err = run_build(site, *extra, capsys=capsys)
    assert code == 1 and f"error: {where}: {message}" in err and "Traceback" not in err, err
    assert not site.out.exists()


def test_a_device_in_content_is_an_error(make_site, capsys):
    import stat as stat_module
    site = make_site({"a.md": article()})
    try:
        os.mknod(site.content / "null.txt", stat_module.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("creating a device needs CAP_MKNOD")
    assert_refused(site, capsys, "content/null.txt", "a device, not a file")
