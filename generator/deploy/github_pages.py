"""github-pages: the built site becomes the new tip of a branch of any git remote.

Everything happens in a throwaway bare repository: fetch the branch tip (depth 1), hash the site's
files into a temporary index, write one commit whose parent is that tip, push it. The user's
repository, working tree and current branch are never written to; a rejected push changes nothing.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from ..config import SiteConfig
from ..errors import ConfigError, DeployError
from .plan import DeployReport, Field, Plan, Target, make_plan, redact, site_files

FIELDS = {
    "remote": Field("a git URL or path; default: the `origin` remote of the repository holding the content"),
    "branch": Field("the branch to publish to (default gh-pages)", default="gh-pages"),
    "cname": Field("a custom domain, written to the CNAME file, e.g. explainers.example.com"),
}
FILE_MODE = "100644"
# Variables that would point git at the user's repository instead of ours.
REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                        "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX")
FALLBACK_IDENTITY = {"name": "Explainer deploy", "email": "explainer-deploy@localhost"}


def check(target: Target) -> None:
    branch = target.options["branch"]
    if branch.startswith(("-", "refs/")) or not re.fullmatch(r"[\w./-]+", branch) or ".." in branch:
        raise ConfigError(f"deploy target '{target.name}': not a branch name: {branch!r}",
                          target.location("branch"), hint="e.g. branch: gh-pages")
    cname = target.options["cname"]
    if cname and not re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}", cname):
        raise ConfigError(f"deploy target '{target.name}': cname must be a host name: {cname!r}",
                          target.location("cname"), hint="e.g. cname: explainers.example.com, no https://")


def publish(target: Target, site_dir: Path, config: SiteConfig, dry_run: bool) -> DeployReport:
    branch, cname = target.options["branch"], target.options["cname"]
    source = SourceRepository(config.content_dir)
    remote = _remote(target, source)
    destination = f"{redact(remote)} branch {branch}"
    with tempfile.TemporaryDirectory(prefix="explainer-deploy-") as work:
        git = Git(Path(work), source.identity())
        git.run("init", "--quiet", "--bare")
        parent = git.fetch_tip(remote, branch)
        files = dict(site_files(site_dir))
        files.update(_hosting_files(Path(work), cname))
        blobs = git.hash_files(files)
        old = git.tree_blobs(parent) if parent else {}
        plan = make_plan(files, old, lambda rel, _path: old[rel] == blobs[rel])
        if dry_run:
            return DeployReport(target, destination, plan, dry_run=True)
        if parent and plan.is_empty:
            return DeployReport(target, destination, plan, dry_run=False,
                                notes=(f"nothing changed: {branch} stays at {parent[:7]}",))
        commit = git.commit(blobs, parent, _message(plan, len(files), source.head()))
        git.push(remote, commit, branch)
    return DeployReport(target, destination, plan, dry_run=False,
                        notes=(f"commit {commit[:7]} is now the tip of {branch}",))


def _hosting_files(work: Path, cname: str | None) -> dict[str, Path]:
    """.nojekyll: serve the files as they are (Jekyll would hide _headers); CNAME: the custom domain."""
    extra = {".nojekyll": work / "nojekyll"}
    extra[".nojekyll"].write_bytes(b"")
    if cname:
        extra["CNAME"] = work / "CNAME"
        extra["CNAME"].write_text(cname + "\n", encoding="utf-8")
    return extra


def _message(plan: Plan, count: int, source_commit: str | None) -> str:
    subject = f"Deploy explainer site: {count} files" + (f", from {source_commit}" if source_commit else "")
    return (f"{subject}\n\nAdded {len(plan.added)}, changed {len(plan.changed)}, deleted {len(plan.deleted)}, "
            f"unchanged {plan.unchanged}.\n")


def _remote(target: Target, source: SourceRepository) -> str:
    remote = target.options["remote"]
    if remote:
        return _absolute_if_local(remote, Path.cwd())
    origin = source.origin()
    if not origin:
        raise ConfigError(f"deploy target '{target.name}' has no remote, and the content folder is not in a "
                          "git repository with an `origin` remote", target.where,
                          hint="add `remote:` with any git URL or path, e.g. git@github.com:org/explainers.git")
    return origin


def _absolute_if_local(remote: str, base: Path) -> str:
    """Git resolves a local path against the folder it runs in; ours is a temporary one."""
    scp_like = re.match(r"^[^/]+:", remote) is not None and not re.match(r"^[A-Za-z]:[\\/]", remote)
    is_url = "://" in remote or scp_like   # git's rule: host:path when the colon comes before any slash
    return remote if is_url else str((base / Path(remote).expanduser()).resolve())


class SourceRepository:
    """The user's repository holding the content, if any: only read (HEAD, origin URL, identity)."""

    def __init__(self, content_dir: Path):
        self.folder = content_dir.resolve()

    def _read(self, *args: str) -> str | None:
        env = {k: v for k, v in os.environ.items() if k not in REPOSITORY_VARIABLES}
        env["GIT_OPTIONAL_LOCKS"] = "0"
        try:
            proc = subprocess.run(["git", *args], cwd=self.folder, env=env, capture_output=True, text=True)
        except FileNotFoundError:
            return None
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def head(self) -> str | None:
        return self._read("rev-parse", "--short", "HEAD")

    def origin(self) -> str | None:
        url = self._read("remote", "get-url", "origin")
        top = self._read("rev-parse", "--show-toplevel")
        return _absolute_if_local(url, Path(top)) if url and top else url

    def identity(self) -> dict[str, str]:
        """Author and committer of the deploy commit: the user's git identity, else a fixed one."""
        env = {}
        for part in ("name", "email"):
            value = self._read("config", f"user.{part}") or FALLBACK_IDENTITY[part]
            for role in ("AUTHOR", "COMMITTER"):
                env[f"GIT_{role}_{part.upper()}"] = os.environ.get(f"GIT_{role}_{part.upper()}", value)
        return env


class Git:
    """git commands against a throwaway bare repository in `work`."""

    def __init__(self, work: Path, identity: dict[str, str]):
        env = {k: v for k, v in os.environ.items() if k not in REPOSITORY_VARIABLES}
        env.update(identity, GIT_DIR=str(work / "repo.git"), GIT_INDEX_FILE=str(work / "index"))
        self.env, self.work = env, work

    def run(self, *args: str, input: bytes | None = None) -> str:
        try:
            proc = subprocess.run(["git", *args], cwd=self.work, env=self.env, input=input, capture_output=True)
        except FileNotFoundError:
            raise DeployError("git is not installed", hint="install git to deploy to github-pages") from None
        if proc.returncode != 0:
            raise GitFailed(args, proc.stderr.decode("utf-8", "replace"))
        return proc.stdout.decode("utf-8")

    def fetch_tip(self, remote: str, branch: str) -> str | None:
        """The branch's current commit, fetched (without history) to build on; None when it is new."""
        try:
            listed = self.run("ls-remote", "--heads", "--", remote, f"refs/heads/{branch}")
            if not listed.strip():
                return None
            self.run("fetch", "--quiet", "--no-tags", "--depth=1", "--", remote, f"refs/heads/{branch}")
        except GitFailed as err:
            raise DeployError(f"cannot read {redact(remote)}: {err.reason}",
                              hint="check the remote URL and your access to it; nothing was changed") from None
        return self.run("rev-parse", "FETCH_HEAD^{commit}").strip()

    def hash_files(self, files: dict[str, Path]) -> dict[str, str]:
        paths = "".join(f"{path}\n" for path in files.values()).encode("utf-8")
        shas = self.run("hash-object", "-w", "--no-filters", "--stdin-paths", input=paths).split()
        return dict(zip(files, shas))

    def tree_blobs(self, commit: str) -> dict[str, str]:
        listing = self.run("ls-tree", "-r", "-z", "--full-tree", commit)
        blobs = {}
        for record in filter(None, listing.split("\0")):
            meta, path = record.split("\t", 1)
            blobs[path] = meta.split()[2]
        return blobs

    def commit(self, blobs: dict[str, str], parent: str | None, message: str) -> str:
        entries = "".join(f"{FILE_MODE} {sha}\t{path}\0" for path, sha in blobs.items())
        self.run("update-index", "-z", "--index-info", input=entries.encode("utf-8"))
        tree = self.run("write-tree").strip()
        parents = ["-p", parent] if parent else []
        return self.run("commit-tree", tree, *parents, "-F", "-", input=message.encode("utf-8")).strip()

    def push(self, remote: str, commit: str, branch: str) -> None:
        # A plain push: our commit's parent is the tip we fetched, so if anyone pushed since, git
        # refuses (not a fast-forward) and the branch stays as they left it.
        try:
            self.run("push", "--quiet", "--", remote, f"{commit}:refs/heads/{branch}")
        except GitFailed as err:
            raise DeployError(f"push to {redact(remote)} failed: {err.reason}",
                              hint=f"the branch {branch} was left as it was; fix the problem and deploy again"
                              ) from None


class GitFailed(DeployError):
    """A git command failed; the message keeps git's last lines, with credentials removed."""

    def __init__(self, args: tuple[str, ...], stderr: str):
        lines = [line.strip() for line in stderr.splitlines()
                 if line.strip() and not line.startswith(("To ", "hint:"))]
        self.reason = redact("; ".join(lines[-4:]) or "no message")
        super().__init__(f"git {args[0]} failed: {self.reason}",
                         hint="nothing was pushed; the branch is as it was")
