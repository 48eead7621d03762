"""`explainer deploy` against real targets: a bare git repository, an S3 server on 127.0.0.1, a folder."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, article
from generator.build import build
from generator.config import load_config
from generator.deploy import deploy, find_target, targets
from generator.deploy.plan import redact, site_files
from generator.errors import ExplainerError
from generator.render import hosting
from test_errors import png

STORY_BODY = "The lede.\n\n**Why it matters:** It does.\n\n**The big picture:** Wide.\n"
NEWSROOM = {
    "story/index.md": article("Story", date="2024-03-01", category="Science", body=STORY_BODY),
    "story/chart.png": png(30, 20),
    "second.md": article("Second", date="2024-02-01", category="Science"),
    "gone.md": article("Gone soon", date="2024-01-15", category="Politics"),
    "secret.md": article("Secret draft", date="2024-01-20", draft="true"),
}


def newsroom(make_site, deploy_yaml: str):
    site = make_site(NEWSROOM)
    site.write("site.yml", "title: Test desk\ndeploy:\n" + deploy_yaml)
    return site


def deploy_now(site, name: str, dry_run: bool = False):
    """Build and deploy through the Python API, as `explainer deploy` does; returns the report."""
    config = load_config(site.content, site.out)
    target = find_target(config, name)
    build(config)
    return deploy(config, target, config.out_dir, dry_run=dry_run)


def edit_story(site) -> None:
    site.write("story/index.md", article("Story", date="2024-03-01", category="Science",
                                         body=STORY_BODY + "\n**What's next:** A correction.\n"))


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def hermetic_git(tmp_path, monkeypatch):
    """No global git identity or config: deploy must bring its own fallback identity."""
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)


def source_repo(site) -> None:
    """Make the site's folder a git repository, as a newsroom's would be."""
    root = site.root
    git("init", "--quiet", "--initial-branch=main", cwd=root)
    (root / ".gitignore").write_text("site/\n")
    git("add", "-A", cwd=root)
    git("-c", "user.name=Desk", "-c", "user.email=desk@example.org", "commit", "--quiet", "-m", "content",
        cwd=root)


def repo_state(root: Path) -> tuple:
    return (git("symbolic-ref", "HEAD", cwd=root), git("rev-parse", "HEAD", cwd=root),
            git("for-each-ref", cwd=root), git("status", "--porcelain", cwd=root),
            sorted(p.relative_to(root).as_posix() for p in root.rglob("*")   # but what builds write:
                   if not {".git", "site", ".explainer-cache"} & set(p.relative_to(root).parts)))


# --- github-pages ---------------------------------------------------------------------------------

def test_github_pages_commits_the_site_on_the_branch_and_leaves_the_source_repo_alone(
        make_site, cli, hermetic_git, tmp_path_factory):
    remote = tmp_path_factory.mktemp("remote") / "pages.git"
    git("init", "--quiet", "--bare", str(remote), cwd=remote.parent)
    site = newsroom(make_site, f"  - name: pages\n    kind: github-pages\n    remote: {remote}\n"
                               "    cname: explainers.example.com\n")
    source_repo(site)

    before = repo_state(site.root)
    dry = cli("deploy", "pages", "--dry-run", cwd=site.root, check=True)
    assert "  + story/index.html" in dry.out and "nothing was changed" in dry.out
    assert git("branch", "--list", cwd=remote) == ""

    first = cli("deploy", "pages", cwd=site.root, check=True)
    assert "added" in first.out and "commit" in first.out
    assert repo_state(site.root) == before

    edit_story(site)   # left uncommitted: deploy must neither care nor touch it
    before = repo_state(site.root)
    report = deploy_now(site, "pages")
    assert "story/index.html" in report.plan.changed and not report.plan.added and not report.plan.deleted
    assert repo_state(site.root) == before

    clone = remote.parent / "clone"
    git("clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone), cwd=remote.parent)
    published = set(site_files(clone)) - {p for p in site_files(clone) if p.startswith(".git/")}
    assert published == set(site_files(site.out)) | {".nojekyll", "CNAME"}
    assert (clone / "CNAME").read_text() == "explainers.example.com\n"
    assert (clone / ".nojekyll").read_bytes() == b""
    assert "A correction." in (clone / "story/index.html").read_text()
    assert not (clone / "secret").exists(), "drafts are never deployed"
    log = git("log", "--format=%s|%an", cwd=clone).splitlines()
    head = git("rev-parse", "--short", "HEAD", cwd=site.root).strip()
    assert len(log) == 2
    assert log[0] == f"Deploy explainer site: {len(published)} files, from {head}|Explainer deploy"


def test_github_pages_defaults_to_the_origin_remote_and_skips_empty_commits(make_site, hermetic_git,
                                                                           tmp_path_factory):
    site = newsroom(make_site, "  - name: pages\n    kind: github-pages\n    branch: site\n")
    source_repo(site)
    remote = tmp_path_factory.mktemp("remote") / "pages.git"
    git("init", "--quiet", "--bare", str(remote), cwd=remote.parent)
    # A relative URL, which git resolves against the repository, not against where deploy runs.
    git("remote", "add", "origin", os.path.relpath(remote, site.root), cwd=site.root)

    deploy_now(site, "pages")
    again = deploy_now(site, "pages")
    assert again.plan.is_empty and "nothing changed" in again.notes[0]
    assert git("rev-list", "--count", "site", cwd=remote).strip() == "1"
    assert git("branch", "--list", cwd=site.root).strip() == "* main"


def test_a_rejected_push_fails_and_leaves_the_branch_as_it_was(make_site, cli, hermetic_git, tmp_path):
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    site = newsroom(make_site, f"  - name: pages\n    kind: github-pages\n    remote: {remote}\n")
    cli("deploy", "pages", cwd=site.root, check=True)
    tip = git("rev-parse", "gh-pages", cwd=remote)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pages are frozen today' >&2\nexit 1\n")
    hook.chmod(0o755)
    edit_story(site)

    result = cli("deploy", "pages", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "push to" in result.err and "pages are frozen today" in result.err
    assert "left as it was" in result.err
    assert git("rev-parse", "gh-pages", cwd=remote) == tip


# --- s3 ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """A real S3 API (moto in server mode) on 127.0.0.1; its URL."""
    server_module = pytest.importorskip("moto.server")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch, tmp_path):
    """Fake credentials through the standard AWS chain (environment), and a fresh bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFORTESTS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-for-tests")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import boto3
    client = boto3.client("s3", endpoint_url=s3_server)
    bucket = f"explainers-{tmp_path.name.lower().replace('_', '-')}"[:60]
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="elsewhere/keep.txt", Body=b"not ours")
    return client, bucket


def keys(client, bucket, prefix="news/") -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"][len(prefix):] for page in pages for item in page.get("Contents", [])}


@pytest.mark.slow   # a moto server; > 2 s on a busy machine
def test_s3_uploads_only_what_changed_and_deletes_only_stale_keys_under_the_prefix(make_site, explainer, s3,
                                                                                   s3_server):
    client, bucket = s3
    site = newsroom(make_site, f"  - name: bucket\n    kind: s3\n    bucket: {bucket}\n    prefix: news\n"
                               f"    endpoint_url: {s3_server}\n")

    first = explainer("deploy", "bucket", cwd=site.root, check=True)
    assert f"s3://{bucket}/news/" in first.out
    assert "fake-secret" not in first.out + first.err and "AKIAFAKE" not in first.out + first.err
    assert keys(client, bucket) == set(site_files(site.out))
    assert "secret/index.html" not in keys(client, bucket)

    unchanged = deploy_now(site, "bucket")
    assert unchanged.plan.is_empty and unchanged.plan.bytes_to_send == 0

    edit_story(site)
    changed = deploy_now(site, "bucket")
    assert "story/index.html" in changed.plan.changed
    assert all(rel.endswith(".html") for rel in changed.plan.changed), "assets are not sent again"
    assert not changed.plan.added and not changed.plan.deleted
    body = client.get_object(Bucket=bucket, Key="news/story/index.html")["Body"].read().decode()
    assert "A correction." in body

    (site.content / "gone.md").unlink()
    pruned = deploy_now(site, "bucket")
    assert "gone/index.html" in pruned.plan.deleted and "category/politics/index.html" in pruned.plan.deleted
    assert keys(client, bucket) == set(site_files(site.out))
    assert keys(client, bucket, prefix="elsewhere/") == {"keep.txt"}, "keys outside the prefix are kept"

    def head(rel):
        return client.head_object(Bucket=bucket, Key=f"news/{rel}")

    css = next(rel for rel in site_files(site.out) if rel.endswith(".css"))
    assert (head(css)["ContentType"], head(css)["CacheControl"]) == (
        "text/css; charset=utf-8", "public, max-age=31536000, immutable")
    assert (head("index.html")["ContentType"], head("index.html")["CacheControl"]) == (
        "text/html; charset=utf-8", "public, max-age=300")
    assert (head("story/chart.png")["ContentType"], head("story/chart.png")["CacheControl"]) == (
        "image/png", "public, max-age=86400")
    assert head("_headers")["ContentType"] == "text/plain; charset=utf-8"


@pytest.mark.slow   # a moto server; > 2 s on a busy machine
def test_s3_dry_run_and_missing_credentials(make_site, explainer, s3, s3_server, monkeypatch):
    client, bucket = s3
    site = newsroom(make_site, f"  - name: bucket\n    kind: s3\n    bucket: {bucket}\n"
                               f"    endpoint_url: {s3_server}\n")
    dry = explainer("deploy", "bucket", "--dry-run", cwd=site.root, check=True)
    assert "  + index.html" in dry.out and "  - elsewhere/keep.txt" in dry.out
    assert keys(client, bucket, prefix="") == {"elsewhere/keep.txt"}

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = explainer("deploy", "bucket", "--no-build", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "no AWS credentials" in result.err and "AWS_PROFILE" in result.err


def test_s3_without_boto3_says_how_to_install_it(make_site):
    site = newsroom(make_site, "  - name: bucket\n    kind: s3\n    bucket: explainers\n")
    code = ("import sys; sys.modules['boto3'] = None; from generator.cli import main; "
            "sys.exit(main(['deploy', 'bucket']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=site.root, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "needs boto3" in proc.stderr and "pip install 'explainer[s3]'" in proc.stderr


# --- directory --------------------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {rel: (path.read_bytes(), path.stat().st_mtime_ns) for rel, path in site_files(folder).items()}


def test_directory_sync_in_rounds_and_dry_run_changes_nothing(make_site, cli, tmp_path):
    www = tmp_path / "www"
    site = newsroom(make_site, f"  - name: www\n    kind: directory\n    path: {www}\n")

    dry = cli("deploy", "www", "--dry-run", cwd=site.root, check=True)
    assert "  + index.html" in dry.out and not www.exists()

    first = cli("deploy", "www", cwd=site.root, check=True)
    assert "added" in first.out and snapshot(www).keys() == site_files(site.out).keys()
    assert not (www / "secret").exists()
    assert oct((www / "index.html").stat().st_mode & 0o777) == "0o644"

    before = snapshot(www)
    assert deploy_now(site, "www").plan.is_empty
    assert snapshot(www) == before, "unchanged files are not rewritten"

    edit_story(site)
    dry = cli("deploy", "www", "--dry-run", cwd=site.root, check=True)
    assert "  ~ story/index.html" in dry.out and snapshot(www) == before
    changed = deploy_now(site, "www")
    assert "story/index.html" in changed.plan.changed and not changed.plan.added
    after = snapshot(www)
    assert {rel for rel in after if after[rel] != before[rel]} == set(changed.plan.changed)

    (site.content / "gone.md").unlink()
    pruned = deploy_now(site, "www")
    assert "gone/index.html" in pruned.plan.deleted
    assert not (www / "gone").exists() and not (www / "category" / "politics").exists()
    assert {rel: data for rel, (data, _) in snapshot(www).items()} == {
        rel: path.read_bytes() for rel, path in site_files(site.out).items()}
    assert not [p for p in www.rglob("*") if p.name.endswith(".explainer-tmp")]


def test_directory_refuses_a_folder_that_is_not_a_site(make_site, cli, tmp_path):
    home = tmp_path / "documents"
    (home / "notes.txt").parent.mkdir()
    (home / "notes.txt").write_text("precious")
    site = newsroom(make_site, f"  - name: www\n    kind: directory\n    path: {home}\n")
    result = cli("deploy", "www", cwd=site.root)
    assert result.code == 1 and "does not look like a deployed site" in result.err
    assert (home / "notes.txt").read_text() == "precious"


# --- configuration and command-line errors ------------------------------------------------------------

@pytest.mark.parametrize("yaml_entries, message", [
    ("  - name: bucket\n    kind: s3\n", "site.yml:3: deploy target 'bucket': missing field 'bucket'"),
    ("  - name: pages\n    kind: github-page\n", "site.yml:4: deploy target 'pages': unknown kind 'github-page' "
                                                  "(did you mean 'github-pages'?"),
    ("  - name: pages\n    kind: github-pages\n    branh: main\n",
     "site.yml:5: deploy target 'pages': unknown field 'branh' for kind github-pages (did you mean 'branch'?"),
    ("  - name: bucket\n    kind: s3\n    bucket: 3\n",
     "site.yml:5: deploy target 'bucket': 'bucket' must be text"),
    ("  - kind: directory\n    path: /srv/www\n", "site.yml:3: deploy target #1: missing field 'name'"),
    ("  - name: www\n    kind: directory\n    path: /srv/www\n  - name: www\n    kind: directory\n"
     "    path: /srv/www2\n", "site.yml:6: two deploy targets are named 'www'"),
    ("  name: www\n", "site.yml:2: 'deploy' must be a list of targets"),
    ("  - name: www\n    kind: directory\n    path: /srv/www\n  - just-a-name\n",
     "site.yml:6: deploy target #2 must be a mapping"),     # at its own line, not at `deploy:`
    ("  - name: bucket\n    kind: s3\n    bucket: s3://explainers\n",
     "site.yml:5: deploy target 'bucket': not a bucket"),
])
def test_deploy_entries_are_validated_with_the_line_of_the_field(make_site, monkeypatch, yaml_entries, message):
    site = make_site({"site.yml": "title: Desk\ndeploy:\n" + yaml_entries})
    monkeypatch.chdir(site.root)
    with pytest.raises(ExplainerError) as err:
        targets(load_config(site.content))
    assert message in str(err.value)


def test_unknown_target_lists_the_known_ones(make_site, cli):
    site = newsroom(make_site, "  - name: www\n    kind: directory\n    path: /srv/www\n"
                               "  - name: pages\n    kind: github-pages\n    remote: /srv/pages.git\n")
    result = cli("deploy", "page", cwd=site.root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/site.yml:2: no deploy target named 'page'" in result.err
    assert "did you mean 'pages'? known targets: www, pages" in result.err
    assert not site.out.exists(), "a misspelt target fails before the build"


def test_deploy_refuses_drafts_and_a_missing_site(make_site, cli, tmp_path):
    site = newsroom(make_site, f"  - name: www\n    kind: directory\n    path: {tmp_path / 'www'}\n")
    drafts = cli("deploy", "www", "--drafts", cwd=site.root)
    assert drafts.code == 1 and "never publishes drafts" in drafts.err
    unbuilt = cli("deploy", "www", "--no-build", cwd=site.root)
    assert unbuilt.code == 1 and "holds no built site" in unbuilt.err
    missing = make_site({"a.md": article()})
    (missing.content / "site.yml").unlink(missing_ok=True)
    none = cli("deploy", "www", cwd=missing.root)
    assert none.code == 1 and "no deploy targets in site.yml" in none.err


# --- hosting helpers in every build --------------------------------------------------------------------

def test_every_build_writes_headers_for_netlify_and_cloudflare_under_the_base_path(make_site, cli):
    site = make_site({"a.md": article(), "site.yml": "base_url: https://example.com/explainers/\n"})
    cli("build", cwd=site.root, check=True)
    headers = site.page("_headers")
    css = next(rel for rel in site_files(site.out) if rel.endswith(".css"))
    assert f"/explainers/{css}\n  Cache-Control: public, max-age=31536000, immutable\n" in headers
    assert headers.startswith("# ") and "\n/explainers/*\n  X-Content-Type-Options: nosniff\n" in headers
    for name in ("Referrer-Policy", "X-Frame-Options", "frame-ancestors", "Permissions-Policy"):
        assert name in headers
    assert headers.count("Cache-Control") == 1, "no rule may overlap another's Cache-Control"
    assert (site.out / "404.html").is_file()


def test_cache_policy_by_path():
    assert hosting.cache_control("static/style.0123456789.css") == hosting.IMMUTABLE
    assert hosting.cache_control("static/app.abcdef0123.js") == hosting.IMMUTABLE
    assert hosting.cache_control("static/logo.png") == hosting.MEDIUM
    assert hosting.cache_control("story/index.html") == hosting.SHORT
    assert hosting.cache_control("feed.xml") == hosting.SHORT
    assert hosting.cache_control("story/style.0123456789.css") == hosting.MEDIUM, "only theme assets"


def test_credentials_in_urls_never_reach_the_output():
    text = "fatal: unable to access 'https://x-access-token:ghs_secret@github.com/org/site.git/'"
    assert "ghs_secret" not in redact(text) and "https://***@github.com/org/site.git" in redact(text)
