"""directory: sync the built site into a web root on this machine or a mounted share.

New and changed files are written first, each atomically (a temporary file beside it, then
os.replace), assets before the pages that use them; stale files are deleted last. A web server
reading the folder meanwhile sees, for every path, either the old file or the new one.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..config import SiteConfig
from ..errors import ConfigError, DeployError
from .plan import DeployReport, Field, Plan, Target, make_plan, site_files

FIELDS = {"path": Field("the web root to sync into, e.g. /srv/www/explainers", required=True)}
TEMP_SUFFIX = ".explainer-tmp"


def check(target: Target) -> None:
    """Nothing to check before the build: the folder's safety is checked in publish()."""


def publish(target: Target, site_dir: Path, config: SiteConfig, dry_run: bool) -> DeployReport:
    dest = (Path.cwd() / Path(target.options["path"]).expanduser()).resolve()
    _check_folder(dest, site_dir.resolve(), config.content_dir.resolve(), target)
    local = site_files(site_dir)
    remote = site_files(dest, bookkeeping=True) if dest.is_dir() else {}   # leftovers of a killed deploy go
    plan = make_plan(local, remote, lambda rel, path: _same_bytes(path, remote[rel]))
    if not dry_run:
        _apply(plan, local, dest)
    return DeployReport(target, str(dest), plan, dry_run)


def _check_folder(dest: Path, site: Path, content: Path, target: Target) -> None:
    """Refuse folders where deleting 'stale' files would destroy something that is not a site."""
    where = target.location("path")
    for other, what in ((site, "the built site"), (content, "the content folder")):
        if dest == other or dest in other.parents or other in dest.parents:
            raise ConfigError(f"deploy target '{target.name}': {dest} overlaps {what} ({other})", where,
                              hint="deploy into a folder of its own")
    if dest in (Path.home().resolve(), Path(dest.anchor), Path.cwd().resolve()):
        raise ConfigError(f"deploy target '{target.name}': refusing to sync into {dest}", where,
                          hint="deploy into a folder of its own, e.g. /srv/www/explainers")
    if dest.exists() and not dest.is_dir():
        raise ConfigError(f"deploy target '{target.name}': {dest} is not a folder", where)
    if dest.is_dir() and any(dest.iterdir()) and not (dest / "index.html").is_file():
        raise DeployError(f"deploy target '{target.name}': {dest} is not empty and does not look like a "
                          "deployed site (no index.html)", where,
                          hint="deploying deletes every file that is not part of the site: "
                          "choose an empty folder, or empty this one first")


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _apply(plan: Plan, local: dict[str, Path], dest: Path) -> None:
    done = 0
    try:
        for rel in plan.to_send:
            _replace_file(local[rel], dest / rel)
            done += 1
        for rel in plan.deleted:
            (dest / rel).unlink(missing_ok=True)
        _remove_empty_folders(dest, plan.deleted)
    except OSError as err:
        state = (f"{done} of {len(plan.to_send)} new or changed files were written, nothing was deleted"
                 if done < len(plan.to_send) else "every file was written; some stale files may remain")
        raise DeployError(f"writing to {dest} failed: {err.strerror or err} ({err.filename}); {state}",
                          hint="fix the problem and deploy again: it picks up where this one stopped") from None


def _replace_file(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=TEMP_SUFFIX, dir=dest.parent)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
        os.chmod(temp, 0o644)   # mkstemp makes it private; the web server must read it
        os.replace(temp, dest)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_empty_folders(dest: Path, deleted: tuple[str, ...]) -> None:
    folders = {parent for rel in deleted for parent in (dest / rel).parents if dest in parent.parents}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
