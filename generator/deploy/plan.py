"""What every publisher shares: targets, the plan of what to add/change/delete, and its summary."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import redact  # noqa: F401 - redact was defined here; kept importable
from ..outfolder import is_scratch_name
from ..problems import Place


@dataclass(frozen=True)
class Field:
    """One option of a deploy target in site.yml."""
    help: str
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class Target:
    """A deploy target from site.yml's `deploy:`, its options checked and filled in."""
    name: str
    kind: str
    options: Mapping[str, Any]          # every field of the kind, defaults filled in
    where: Place               # the entry in site.yml
    lines: Mapping[str, Place]  # each field given in site.yml

    def location(self, field: str) -> Place:
        return self.lines.get(field, self.where)


@dataclass(frozen=True)
class Plan:
    """What a deploy would change at its target: files to add, change and delete."""
    added: tuple[str, ...]
    changed: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    bytes_to_send: int

    @property
    def to_send(self) -> tuple[str, ...]:
        """Added and changed files in upload order."""
        return upload_order(self.added + self.changed)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.deleted)


@dataclass(frozen=True)
class DeployReport:
    """What `explainer deploy` did (or, with --dry-run, would do)."""
    target: Target
    destination: str                    # where it went, in words, without credentials
    plan: Plan
    dry_run: bool
    notes: tuple[str, ...] = ()         # e.g. the commit that is now the branch tip


def site_files(site_dir: Path, bookkeeping: bool = False) -> dict[str, Path]:
    """Every file of the built site by its '/'-separated path, sorted; without the build's bookkeeping (its
    marker file, temporary files a killed build left) unless asked for, as when listing a target to clean."""
    files = {}
    site_dir = site_dir.resolve()
    for folder, dirs, names in os.walk(site_dir):
        dirs.sort()
        for name in names:
            if not bookkeeping and is_scratch_name(name):
                continue
            path = Path(folder, name)
            files[path.relative_to(site_dir).as_posix()] = path
    return dict(sorted(files.items()))


def make_plan(local: Mapping[str, Path], remote: Iterable[str],
              same: Callable[[str, Path], bool]) -> Plan:
    """Compare the built site with what the target holds; `same(rel, path)` says a remote file is current."""
    remote = set(remote)
    added = tuple(rel for rel in local if rel not in remote)
    changed = tuple(rel for rel in local if rel in remote and not same(rel, local[rel]))
    deleted = tuple(sorted(remote - set(local)))
    sent = sum(local[rel].stat().st_size for rel in added + changed)
    return Plan(added, changed, deleted, len(local) - len(added) - len(changed), sent)


def upload_order(paths: Iterable[str]) -> tuple[str, ...]:
    """Assets first, then pages, then the pages that link to them (home, feeds), so no page on the
    target ever points at a file that is not there yet."""
    def rank(rel: str) -> tuple[int, str]:
        if rel in ("index.html", "404.html") or rel.endswith(".xml"):
            return 2, rel
        return (1 if rel.endswith(".html") else 0), rel
    return tuple(sorted(paths, key=rank))


def summary_lines(report: DeployReport) -> list[str]:
    plan = report.plan
    lines = []
    if report.dry_run:
        lines.append(f"Dry run for {report.target.name} ({report.target.kind} → {report.destination}): "
                     "nothing was changed")
        lines += [f"  + {rel}" for rel in plan.added]
        lines += [f"  ~ {rel}" for rel in plan.changed]
        lines += [f"  - {rel}" for rel in plan.deleted]
        lines.append(f"would add {len(plan.added)}, change {len(plan.changed)}, delete {len(plan.deleted)}, "
                     f"leave {plan.unchanged} unchanged; {human_bytes(plan.bytes_to_send)} to send")
        return lines
    lines.append(f"Deployed {report.target.name} ({report.target.kind} → {report.destination}): "
                 f"{len(plan.added)} added, {len(plan.changed)} changed, {len(plan.deleted)} deleted, "
                 f"{plan.unchanged} unchanged; {human_bytes(plan.bytes_to_send)} sent")
    lines += [f"  {note}" for note in report.notes]
    return lines


def human_bytes(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    size = float(count)
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")
