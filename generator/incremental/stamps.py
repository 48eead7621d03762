"""Stamps: what tells us a file or folder changed without reading it. A build's inputs (every file it may
read) by size and modification time, taken once before any file is read, so a file saved while the build
runs differs from its stamp and the next build redoes it; the output folders by inode and modification time.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import content
from ..config import SiteConfig
from ..content.discover import SLUG_PATTERN, is_ignored
from ..render import themes
from . import noop

Stamp = tuple
Folders = dict[str, tuple[int, int]]     # output folder ("" for the top) → (inode, mtime_ns)
Job = tuple[str, Path, Path | None]      # an explainer of the tree: slug, Markdown file, bundle folder or None
Bundles = dict[str, tuple[int, Job]]     # bundle folder name → (its explainer's place in the tree, that explainer)


def file_stamp(paths: list[Path]) -> Stamp:
    """What tells us a file changed without reading it: size and modification time."""
    stamp: list[tuple[str, int | None, int | None]] = []
    for path in paths:
        try:
            st = path.stat()
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((str(path), None, None))
    return tuple(stamp)


def explainer_stamp(source: Path, bundle: Path | None) -> Stamp:
    """The stamp of everything an explainer is made of: its Markdown file, or every file in its bundle."""
    return file_stamp([source]) if bundle is None else _bundle_stamp(bundle)[0]


def _bundle_stamp(bundle: Path, folder_stamps: noop.FolderStamps | None = None) -> tuple[Stamp, bool]:
    """Every file in a bundle by path, mtime and size, and whether any of them is a link (whose target may
    be in another bundle: a save there changes this stamp too); into `folder_stamps`, each of its folders by
    inode and mtime, taken before the folder is listed (for the no-op record)."""
    stamp: list[tuple[str, int | None, int | None]] = []
    linked = False
    folders = [str(bundle)]
    while folders:
        folder = folders.pop()
        if folder_stamps is not None:
            st = os.stat(folder)
            folder_stamps.append([folder, st.st_ino, st.st_mtime_ns])
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                linked = linked or entry.is_symlink()
                try:
                    if entry.is_dir():
                        folders.append(entry.path)
                        continue
                    st = entry.stat()
                except OSError:   # a link loop or a dangling link: loading the explainer says what is wrong
                    stamp.append((entry.path, None, None))
                    continue
                stamp.append((entry.path, st.st_mtime_ns, st.st_size))
    return tuple(stamp), linked


@dataclass(frozen=True)
class Snapshot:
    """Every input of a build as stamps: the theme's files, each explainer's files, the other content files."""
    chain: themes.ThemeChain
    theme_stamp: Stamp
    tree: content.SourceTree
    stamps: dict[Path, Stamp]      # explainer source → stamp of its files
    static_stamp: Stamp            # content files outside bundles
    linked: bool = False           # a bundle holds a link: `snapshot_again` cannot tell what it changes
    folders: noop.FolderStamps | None = None   # every input folder, stamped before the scan (`snapshot(folders=True)`)
    # How it was made, not what it holds (two snapshots of the same inputs are equal): by `snapshot_again`,
    # the explainers it stamped again, in the tree's order (every other one has the stamp of the snapshot it
    # was made from; None from a whole scan), and the tree's bundles by folder name, carried from scan to scan.
    restamped: tuple[Job, ...] | None = field(default=None, compare=False)
    bundles: Bundles | None = field(default=None, compare=False)

    def paths(self) -> Iterator[Path]:
        """The explainers' sources and bundle folders, as the scan made them."""
        for _, source, bundle in self.tree.explainers:
            yield source
            if bundle is not None:
                yield bundle

    def key(self, config_key: str) -> tuple:
        return (config_key, self.chain, self.theme_stamp, self.static_stamp,
                tuple((slug, self.stamps[source]) for slug, source, _ in self.tree.explainers))


def snapshot(config: SiteConfig, folders: bool = False) -> Snapshot:
    """Every input stamped; with `folders`, every folder the inputs are listed from too, each stamped before
    it is listed (for the no-op record, see noop.py)."""
    before = _folders_before_scan(config) if folders else None
    chain = before[0] if before else themes.resolve(config)
    theme_files = [p for folder in chain.folders for p in sorted(folder.rglob("*")) if p.is_file()]
    tree = content.discover(config.content_dir)
    bundle_folders: noop.FolderStamps | None = [] if before else None
    stamps, linked = {}, False
    for _, source, bundle in tree.explainers:
        if bundle is None:
            stamps[source] = file_stamp([source])
        else:
            stamps[source], has_link = _bundle_stamp(bundle, bundle_folders)
            linked = linked or has_link
    folder_stamps = None
    if before and bundle_folders is not None and not linked:
        _, stamped, bundles_seen = before
        # A folder the first pass left to the bundle scan must be a bundle the scan stamped.
        if bundles_seen <= {bundle.name for _, _, bundle in tree.explainers if bundle is not None}:
            folder_stamps = stamped + bundle_folders
    return Snapshot(chain, file_stamp(theme_files), tree, stamps, file_stamp(list(tree.static_files)), linked,
                    folder_stamps)


def _folders_before_scan(config: SiteConfig) -> tuple[themes.ThemeChain, noop.FolderStamps, set[str]] | None:
    """The theme chain, and the stamps of the folders the scan lists, taken before it lists them: the theme
    roots (where `themes.resolve` looks), the chain's folders, the content folder and its folders other than
    bundles (the bundle scan stamps those itself); and the names of the folders left to it. None when a link
    makes the folders' stamps say too little."""
    if _theme_through_a_link(config):
        return None
    # The theme roots' own entries, not below them; a link among them (`themes/x` → elsewhere) means none.
    roots = noop.folder_stamps(theme_roots(config), lambda entry: not entry.is_symlink())
    chain = themes.resolve(config)
    bundles: set[str] = set()

    def bundle_or_ignored(entry: os.DirEntry) -> bool:
        if is_ignored(entry.name):
            return True
        if entry.is_symlink() or not os.path.lexists(f"{entry.path}/{content.BUNDLE_INDEX}"):
            return False                # a link (no record) or a folder of other files, stamped here
        bundles.add(entry.name)
        return True
    theme = noop.folder_stamps(chain.folders)
    inputs = noop.folder_stamps([config.content_dir], bundle_or_ignored)
    if roots is None or theme is None or inputs is None:
        return None
    return chain, roots + theme + inputs, bundles


def _theme_through_a_link(config: SiteConfig) -> bool:
    """Whether a link leads to where `themes.resolve` looks (a theme root, or a theme given as a path): its
    target can change with no folder the no-op record stamps changing."""
    if any(os.path.islink(root) for root in theme_roots(config)):
        return True
    name = config.theme
    if "/" in name or name.startswith("."):        # a folder, as themes.resolve takes it
        given = Path(name).expanduser()
        given = given if given.is_absolute() else Path.cwd() / given
        return os.path.realpath(given) != os.path.abspath(given)
    return False


def theme_roots(config: SiteConfig) -> list[Path]:
    """The folders whose entries say which themes there are (themes.resolve looks there)."""
    return [config.content_dir.resolve().parent / "themes", themes.packaged_themes_dir()]


def snapshot_again(config: SiteConfig, previous: Snapshot | None, changed: Iterable[str] | None,
                   folders: bool = False) -> Snapshot:
    """The snapshot after `changed` (paths a file-system watcher saw change since `previous` was taken): only
    the bundles holding them are stamped again. Any other change — a file at the top of content/ or outside
    it (site.yml, a theme, a static file, a new or removed bundle), a bundle's index.md gone, an unknown or
    empty path (the watch restarted) — and any site whose bundles hold links are scanned whole, as is a
    first build (`previous` or `changed` None)."""
    if previous is None or changed is None or previous.linked:
        return snapshot(config, folders)
    bundles = previous.bundles if previous.bundles is not None else bundles_of(previous.tree)
    holding = _bundles_holding(config.content_dir, bundles, changed)
    if holding is None or themes.resolve(config) != previous.chain:
        return snapshot(config, folders)
    stamps = dict(previous.stamps)
    for _, source, bundle in holding:
        assert bundle is not None
        stamps[source], linked = _bundle_stamp(bundle)
        if linked:
            return snapshot(config, folders)
    return dataclasses.replace(previous, stamps=stamps, folders=None, restamped=holding, bundles=bundles)


def bundles_of(tree: content.SourceTree) -> Bundles:
    """The tree's bundles by folder name, each with its explainer's place in the tree."""
    return {bundle.name: (place, job) for place, job in enumerate(tree.explainers) if (bundle := job[2])}


def _bundles_holding(content_dir: Path, bundles: Bundles, changed: Iterable[str]) -> tuple[Job, ...] | None:
    """Each explainer of `bundles` holding a changed path, in the tree's order; None when a path is anything
    else, or names a bundle's index.md that is gone."""
    top = os.path.realpath(content_dir) + os.sep
    found = {}
    for path in changed:
        if not path.startswith(top):
            return None
        folder, _, inside = path[len(top):].partition(os.sep)
        if not inside or folder not in bundles:
            return None
        if inside == content.BUNDLE_INDEX and not os.path.lexists(path):
            return None
        found[folder] = bundles[folder]
    return tuple(job for _, job in sorted(found.values(), key=lambda placed: placed[0]))


def scan_record(config: SiteConfig, snap: Snapshot) -> dict:
    """How the no-op record's `files` (`record_files`: the theme's, then the static files', then each
    explainer's in the tree's order) make this scan, for `from_record`."""
    return {"content": str(config.content_dir), "chain": [str(folder) for folder in snap.chain.folders],
            "theme": len(snap.theme_stamp), "static": len(snap.static_stamp),
            "explainers": [[slug, bundle is not None, len(snap.stamps[source])]
                           for slug, source, bundle in snap.tree.explainers]}


def record_files(snap: Snapshot) -> list[tuple]:
    """Every input file's stamp, in the order `scan_record` describes."""
    return [*snap.theme_stamp, *snap.static_stamp,
            *(one for _, source, _ in snap.tree.explainers for one in snap.stamps[source])]


def from_record(config: SiteConfig, restat: noop.Restat) -> Snapshot | None:
    """The scan the no-op check found still listed as the last build listed it (every input folder as the
    record stamped it, before it was listed): the record's scan with every file's stamp as stat gave it
    during the check. None when the record's scan is not what `scan_record` writes for this content folder
    and theme chain (the inputs are then scanned)."""
    try:
        return _from_record(config, restat)
    except (TypeError, ValueError, KeyError):
        return None


def _from_record(config: SiteConfig, restat: noop.Restat) -> Snapshot | None:
    scan, files = restat.scan, restat.files
    if type(scan) is not dict or scan["content"] != str(config.content_dir):
        return None
    chain = themes.resolve(config)
    if scan["chain"] != [str(folder) for folder in chain.folders]:
        return None
    theme, static, explainers = scan["theme"], scan["static"], scan["explainers"]
    if type(theme) is not int or type(static) is not int or type(explainers) is not list or theme < 0 or static < 0:
        return None
    # As `snapshot` stamps them: (path, mtime_ns, size); the check made each [path (text), size, mtime_ns].
    stamped = [(path, mtime, size) for path, size, mtime in files]
    tree, stamps, at = [], {}, theme + static
    folder = _spelled_folder(config.content_dir)
    for slug, bundled, count in explainers:
        if type(slug) is not str or not SLUG_PATTERN.match(slug) or type(bundled) is not bool or \
                type(count) is not int or count < 1:
            return None
        own = stamped[at:at + count]
        at += count
        # Each path made once from its text, as the scan spells it (a Path made of parts parses every part).
        if bundled:
            inside = f"{folder}{slug}{os.sep}"
            index = inside + content.BUNDLE_INDEX
            if not all(path.startswith(inside) for path, _, _ in own) or not any(p == index for p, _, _ in own):
                return None
            source = Path(index)
            bundle: Path | None = source.parent
        else:
            if count != 1 or own[0][0] != f"{folder}{slug}.md":
                return None
            bundle, source = None, Path(own[0][0])
        tree.append((slug, source, bundle))
        stamps[source] = tuple(own)
    slugs = [slug for slug, _, _ in tree]
    if at != len(stamped) or slugs != sorted(set(slugs)):
        return None
    static_stamp = tuple(stamped[theme:theme + static])
    return Snapshot(chain, tuple(stamped[:theme]), content.SourceTree(tuple(tree), tuple(Path(path) for path, _, _
                                                                                          in static_stamp)),
                    stamps, static_stamp, False, restat.folders)


def _spelled_folder(folder: Path) -> str:
    """How the scan spells the start of a path in `folder` (`folder / name` as text, less the name)."""
    text = str(folder)
    return "" if text == "." else text if text.endswith(os.sep) else text + os.sep


def output_folders(out_dir: Path, files: Iterable[str], unchanged: Folders | None = None,
                   changed: Iterable[str] = (), same_files: bool = False) -> Folders:
    """The output folder and every folder holding our files, by inode and mtime: a file that anyone adds to
    or removes from any of them changes one of these.

    `unchanged` are the stamps a build checked before it wrote in place, and `changed` the files it wrote or
    removed: only the folders holding those (and their parents) are stamped again. `same_files`: `files` are
    those `unchanged` was made for (the build added and removed none), so the folders are its folders."""
    if unchanged is not None and same_files:
        stamps = dict(unchanged)
        for rel in _folders_of(changed) & stamps.keys():
            stamps[rel] = _folder_stamp(out_dir / rel)
        return stamps
    folders = _folders_of(files)
    touched = _folders_of(changed)
    stamps = {}
    for rel in sorted(folders):
        if unchanged is not None and rel not in touched and rel in unchanged:
            stamps[rel] = unchanged[rel]
        else:
            stamps[rel] = _folder_stamp(out_dir / rel)
    return stamps


def _folders_of(files: Iterable[str]) -> set[str]:
    """The folders holding these files (paths in the output folder), their parents, and the top ("")."""
    folders = {""}
    for rel in files:
        parent = rel.rpartition("/")[0]
        while parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    return folders


def _folder_stamp(folder: Path) -> tuple[int, int]:
    try:
        st = os.stat(folder)
        return (st.st_ino, st.st_mtime_ns)
    except OSError:
        return (0, 0)
