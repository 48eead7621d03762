"""Which images the site publishes from content/, and how: the images stage of a build.

Every raster picture a published page shows — a hero, a picture in the Markdown body (from the explainer's
folder or any other folder of the content), the site's logo, an author's portrait, a portrait in a people
box — is published as derivatives: several widths in each modern format (AVIF, WebP) and a fallback every
browser reads (JPEG for photos, PNG for graphics; portraits at small widths of their own), plus, for a hero, a
link-preview crop and the three crops of the article's structured data. SVG files and animated pictures are
published as they are. The original of a picture is published only when the Markdown links to the file itself
(site.yml `images: originals:` says otherwise).

`plan_images` says what every file will be called and how large it is, without encoding anything (`check`
uses it as it is); `start_images` hands what `.explainer-cache/images/` does not hold yet to the build's worker
processes, to be encoded while the pages render (the pages need only the plan's names), and its `finish`
waits for the files when they are written.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import contentfiles, parallel, write
from ..config import SiteConfig
from ..content.pictures import picture_size
from ..errors import ContentError, ExplainerError, raise_all
from ..imageconfig import ImageSettings
from ..model import Explainer, Rendition, ResponsiveImage, SiteImages, SocialImages
from ..problems import Place
from .derivatives import (
    ANIMATED,
    AUTHOR_WIDTHS,
    LOGO_WIDTHS,
    MIME,
    PORTRAIT_WIDTHS,
    Analysis,
    Output,
    PictureError,
    analyse,
    crop_outputs,
    encode,
    encoder_version,
    output_name,
    responsive_outputs,
)
from .store import SOURCES_FILE, Store

Progress = Callable[..., None]


@dataclass(frozen=True)
class Use:
    """Where a picture is named: a front matter or site.yml line, or (found on demand) a body line."""
    rel: str
    source: Path | str
    line: int | None = None
    in_body: bool = False

    def where(self) -> Place:
        if self.in_body and self.line is None:
            return Place(self.source, _line_naming(Path(self.source), self.rel))
        return Place(self.source, self.line)


def _line_naming(source: Path, rel: str) -> int | None:
    """The first line of the file that names the picture (only read to point at a mistake)."""
    name = rel.rsplit("/", 1)[-1]
    try:
        lines = source.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, line in enumerate(lines, 1) if name in line), None)


@dataclass(frozen=True)
class Source:
    """An original picture in content/, with the digest and analysis its derivatives are named from."""
    rel: str
    path: Path
    digest: str
    analysis: Analysis


@dataclass(frozen=True)
class Planned:
    """One image file of the site, and how it is made."""
    source: str          # content-relative source
    output: Output
    key: str             # the store's key


@dataclass(frozen=True)
class ImagePlan:
    """Every picture the site publishes and every file made from one, named before any is encoded."""
    images: SiteImages
    files: dict[str, Planned]        # site path → how it is made
    withheld: frozenset[str]         # content-relative originals that are not published
    sources: dict[str, Source]
    uses: dict[str, Use]
    encoder: str


def plan_images(explainers: Iterable[Explainer], config: SiteConfig, memo: Path | None = None) -> ImagePlan:
    """What the site publishes of every picture the `explainers` (and the header) show; nothing is encoded.

    `memo` is a file where the sources' digests and analyses are kept by file stamp between builds.
    Raises ContentError at the line that names a picture that cannot be read.
    """
    explainers = list(explainers)
    uses = _uses(explainers, config)
    known = _read_memo(memo, config.content_dir) if memo else {}
    sources, svg_logo = _read_sources(uses, config, known)
    if memo:
        _write_memo(memo, config.content_dir, sources, known)
    namer = _Namer(sources, config.images)
    shown = {image.url for e in explainers if (image := e.image)} | {rel for e in explainers for rel in e.pictures}
    pictures = {rel: namer.responsive(rel) for rel in sorted(shown) if rel in sources}
    for rel in _portraits(config):          # small, unless an explainer shows the same picture
        if rel in sources and rel not in pictures:
            pictures[rel] = namer.responsive(rel, AUTHOR_WIDTHS)
    pictures = dict(sorted(pictures.items()))
    # A portrait's files are its own (other widths, other names), whatever else shows the same file: what an
    # explainer's pages and its email name never depends on the other explainers.
    drawn = {image.url for e in explainers for image in e.portraits}
    portraits = {rel: namer.responsive(rel, PORTRAIT_WIDTHS) for rel in sorted(drawn) if rel in sources}
    social = {}
    if config.absolute_base:        # link previews and JSON-LD need absolute URLs: without them, no crops
        for explainer in explainers:
            image = explainer.image
            if image and image.url in sources:
                preview, article = crop_outputs(sources[image.url].analysis, config.images, image.focus)
                social[explainer.slug] = SocialImages(namer.published(image.url, preview),
                                                      tuple(namer.published(image.url, o) for o in article))
    logo = namer.responsive(config.logo, LOGO_WIDTHS) if config.logo in sources else svg_logo
    images = SiteImages(pictures, dict(sorted(social.items())), portraits, logo, logo.largest if logo else None)
    return ImagePlan(images, dict(sorted(namer.files.items())), _withheld(explainers, config, sources), sources,
                     uses, namer.encoder)


class _Namer:
    """Names every file made of the sources, noting how each is made."""

    def __init__(self, sources: dict[str, Source], settings: ImageSettings):
        self.sources, self.settings = sources, settings
        self.encoder = encoder_version() if sources else ""    # a site without pictures never imports Pillow
        self.files: dict[str, Planned] = {}

    def published(self, rel: str, output: Output) -> Rendition:
        digest = self.sources[rel].digest
        url = output_name(rel, output, digest)
        self.files[url] = Planned(rel, output, output.key(digest, self.encoder))
        return Rendition(url, output.width, output.height, output.type)

    def responsive(self, rel: str, wanted: tuple[int, ...] | None = None) -> ResponsiveImage:
        source = self.sources[rel].analysis
        if source.kind == ANIMATED:      # published as it is
            return ResponsiveImage(rel, source.width, source.height, (),
                                   (Rendition(rel, source.width, source.height, source.type),))
        by_format = [(MIME[fmt], tuple(self.published(rel, o) for o in outputs))
                     for fmt, outputs in responsive_outputs(source, self.settings, wanted)]
        return ResponsiveImage(rel, source.width, source.height, tuple(by_format[:-1]), by_format[-1][1])


def _read_sources(uses: dict[str, Use], config: SiteConfig,
                  known: dict[str, tuple]) -> tuple[dict[str, Source], ResponsiveImage | None]:
    """Each raster picture's digest and analysis (an SVG logo aside), every problem at the line naming it."""
    sources: dict[str, Source] = {}
    errors: list[ExplainerError] = []
    svg_logo = None
    for rel, use in uses.items():
        try:
            if rel == config.logo and rel.lower().endswith(".svg"):
                svg_logo = _svg(config.content_dir / rel, rel)
            else:
                sources[rel] = _source(config.content_dir, rel, known)
        except ExplainerError as err:
            errors.append(ContentError(err.message, use.where(), hint=err.hint))
    raise_all(errors)
    return sources, svg_logo


def _uses(explainers: list[Explainer], config: SiteConfig) -> dict[str, Use]:
    """Every picture shown, with the first place that names it: heroes, body pictures, portraits, the logo."""
    uses: dict[str, Use] = {}
    for explainer in explainers:
        image = explainer.image
        if image is not None:
            where = image.where or Place(explainer.source)
            uses.setdefault(image.url, Use(image.url, where.path, where.line))
    for explainer in explainers:
        for rel in explainer.pictures:
            uses.setdefault(rel, Use(rel, explainer.source, in_body=True))
    for explainer in explainers:
        for image in explainer.portraits:
            where = image.where or Place(explainer.source)
            uses.setdefault(image.url, Use(image.url, where.path, where.line))
    if config.logo:
        where = config.line_of("logo")
        uses.setdefault(config.logo, Use(config.logo, where.path, where.line))
    for rel in _portraits(config):
        where = config.line_of("authors")
        uses.setdefault(rel, Use(rel, where.path, where.line))
    return uses


def _portraits(config: SiteConfig) -> list[str]:
    """The pictures of site.yml's `authors:` that are published as derivatives (an SVG is published as it is)."""
    return [a.image for a in config.authors if a.image and not a.image.lower().endswith(".svg")]


def _withheld(explainers: list[Explainer], config: SiteConfig, sources: dict[str, Source]) -> frozenset[str]:
    originals = config.images.originals
    if originals == "always":
        return frozenset()
    derived = {rel for rel, source in sources.items() if source.analysis.kind != ANIMATED}
    if originals == "never":
        return frozenset(derived)
    linked = {target for explainer in explainers for target in explainer.links}
    return frozenset(derived - linked)


def _source(content_dir: Path, rel: str, known: dict[str, tuple]) -> Source:
    path = content_dir / rel
    if not contentfiles.is_regular_file_inside(path, content_dir):
        raise ContentError(f"image not found: {rel}", hint="check the name and folder")
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    if rel in known and known[rel][0] == stamp:
        return Source(rel, path, known[rel][1], known[rel][2])
    picture_size(path, rel)            # the whole file decodes, within the pixel limit; raises ContentError
    data = path.read_bytes()
    try:
        analysis = analyse(data)
    except PictureError as err:
        raise ContentError(f"{err}: {rel}", hint="copy or export the picture again") from None
    return Source(rel, path, write.digest(data), analysis)


_SVG_LENGTH = re.compile(rb'\s(width|height)\s*=\s*["\']\s*([0-9.]+)\s*(px)?\s*["\']')
_SVG_VIEWBOX = re.compile(rb'\sviewBox\s*=\s*["\']\s*[-0-9.]+[\s,]+[-0-9.]+[\s,]+([0-9.]+)[\s,]+([0-9.]+)\s*["\']')


def _svg(path: Path, rel: str) -> ResponsiveImage:
    """An SVG logo, published as it is; its size from the root element's width and height, or its viewBox."""
    try:
        head = path.read_bytes()[:8192]
    except OSError as err:
        raise ContentError(f"cannot read the logo {rel}: {err.strerror or err}") from None
    start = head.find(b"<svg")
    if start < 0:
        raise ContentError(f"the logo {rel} is not an SVG file", hint="export it again as SVG, or use a PNG")
    tag = head[start:head.find(b">", start) + 1]
    lengths = {name.decode(): float(value) for name, value, _ in _SVG_LENGTH.findall(tag)}
    box = _SVG_VIEWBOX.search(tag)
    width, height = lengths.get("width"), lengths.get("height")
    if not (width and height) and box:
        width, height = float(box.group(1)), float(box.group(2))
    if not (width and height):
        raise ContentError(f"the logo {rel} has no size", hint="give its <svg> element width and height, "
                           "or a viewBox")
    size = (max(1, round(width)), max(1, round(height)))
    return ResponsiveImage(rel, *size, (), (Rendition(rel, *size, MIME["svg"]),))


# ------------------------------------------------------------------------------------------------ memo

MEMO_VERSION = 1


def _read_memo(path: Path, content_dir: Path) -> dict[str, tuple]:
    """rel → ((size, mtime_ns), digest, Analysis) from the last build; anything malformed is left out."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if type(data) is not dict or data.get("version") != MEMO_VERSION or data.get("for") != str(content_dir.resolve()):
        return {}
    found = {}
    entries = data.get("sources")
    for rel, entry in (entries.items() if type(entries) is dict else ()):
        if (type(entry) is list and len(entry) == 7 and all(type(v) is int for v in entry[:2])
                and all(type(v) is str for v in entry[2:3] + entry[5:7]) and all(type(v) is int for v in entry[3:5])
                and entry[5] in ("photo", "graphic", "animated") and entry[3] > 0 and entry[4] > 0):
            found[rel] = ((entry[0], entry[1]), entry[2], Analysis(entry[3], entry[4], entry[5], entry[6]))
    return found


def source_memo(source: Source) -> tuple:
    stat = source.path.stat()
    return (stat.st_size, stat.st_mtime_ns), source.digest, source.analysis


def _write_memo(path: Path, content_dir: Path, sources: dict[str, Source], known: dict[str, tuple]) -> None:
    entries = {}
    for rel, source in sources.items():
        stat = source.path.stat()
        a = source.analysis
        entries[rel] = [stat.st_size, stat.st_mtime_ns, source.digest, a.width, a.height, a.kind, a.type]
    if {rel: source_memo(source) for rel, source in sources.items()} == known:
        return
    data = {"version": MEMO_VERSION, "for": str(content_dir.resolve()), "sources": entries}
    try:
        write.atomic_write(path, json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
    except OSError:
        pass        # the memo only saves reading the files again


# ------------------------------------------------------------------------------------------------ encoding

@dataclass
class ImageReport:
    """The image plan once its files are encoded (or found in the store)."""
    plan: ImagePlan
    store: Store
    encoded: int             # files encoded by this build (the others came from the store)

    @property
    def images(self) -> SiteImages:
        return self.plan.images

    @property
    def files(self) -> dict[str, Planned]:
        return self.plan.files

    @property
    def withheld(self) -> frozenset[str]:
        return self.plan.withheld

    def logo_bytes(self) -> bytes | None:
        return logo_bytes(self.plan)

    def publish(self, writer: write.SiteWriter) -> None:
        """Hand every image file to the writer; a stored file it has to read is checked, and made again if it
        turns out damaged or gone (a concurrent build may prune)."""
        for rel, planned in self.files.items():
            stored = self.store.get(planned.key)
            digest = stored.digest if stored else ""
            writer.known_file(rel, digest, functools.partial(self._bytes, planned))

    def _bytes(self, planned: Planned) -> bytes:
        data = self.store.read(planned.key)
        if data is None:        # damaged or gone since the store was listed: made again, here
            failure = _encode_job(_job(self.plan.sources[planned.source], [planned], self.store.folder))
            self.encoded += 1
            self.store.rescan()
            data = self.store.read(planned.key)
            if data is None:
                raise ContentError(f"{failure or 'cannot keep the encoded image'}: {planned.source}",
                                   self.plan.uses[planned.source].where(), hint="copy or export the picture again")
        return data


# source rel, its file, its digest, its kind, the outputs, their keys, the store's folder
Job = tuple[str, Path, str, str, list[Output], list[str], Path]


def _job(source: Source, planned: list[Planned], folder: Path) -> Job:
    return (source.rel, source.path, source.digest, source.analysis.kind, [p.output for p in planned],
            [p.key for p in planned], folder)


def logo_bytes(plan: ImagePlan) -> bytes | None:
    """The logo file, for the social cards, when it is a raster picture (an SVG is not drawn)."""
    logo = plan.images.logo
    source = plan.sources.get(logo.path) if logo else None
    return source.path.read_bytes() if source else None


def start_images(explainers: Iterable[Explainer], config: SiteConfig, folder: Path, cached: bool,
                 pool: parallel.PoolOnDemand, progress: Progress | None = None) -> PendingImages:
    """The images stage of a build: plan now (the names, all that the pages need), and hand what `folder`
    lacks to `pool`'s workers to encode; `finish` waits for the files (ContentError at the line that names a
    picture that fails). `cached`: the folder is the cache's (kept between builds, with the sources' memo),
    not one of the build's own."""
    plan = plan_images(explainers, config, memo_path(folder) if cached else None)
    return _start(plan, folder, config, pool, progress, prune=not is_preview(config))


def _start(plan: ImagePlan, folder: Path, config: SiteConfig, pool: parallel.PoolOnDemand,
           progress: Progress | None, prune: bool) -> PendingImages:
    """Hand what the store in `folder` does not hold yet to the pool. `prune`: remove, when finished, what no
    build has used for a day (off for previews of drafts, which show more than the site publishes)."""
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder)
    jobs = [_job(plan.sources[rel], group, folder) for (rel, _), group in _missing(plan, store).items()]
    jobs.sort(key=lambda job: -sum(o.width * o.height for o in job[4]))     # largest first: even finish
    return PendingImages(plan, store, jobs, _encoding(jobs, pool), prune, progress)


def _missing(plan: ImagePlan, store: Store) -> dict[tuple, list[Planned]]:
    """The files the store lacks, grouped by what one job encodes (a source's crops, or one width of it)."""
    missing: dict[tuple, list[Planned]] = {}
    for planned in plan.files.values():
        if store.get(planned.key) is None:
            group = (planned.source, "crops" if planned.output.box else planned.output.width)
            missing.setdefault(group, []).append(planned)
    return missing


@dataclass
class PendingImages:
    """The images stage of a build, its files perhaps still being encoded in worker processes."""
    plan: ImagePlan
    store: Store
    jobs: list[Job]
    encoding: Iterator[tuple[Job, str | None]]      # each job as it is done, and its failure in words
    prune: bool
    progress: Progress | None = None
    _report: ImageReport | None = None

    def logo_bytes(self) -> bytes | None:
        return logo_bytes(self.plan)

    def finish(self) -> ImageReport:
        """Wait for the encoding: ContentError at the line that names a picture that fails; the same report
        on every call. Prunes what no build has used for a day, when `prune`."""
        if self._report is None:
            self._report = self._collect()
        return self._report

    def _collect(self) -> ImageReport:
        total = sum(len(job[4]) for job in self.jobs)
        done = 0
        errors: dict[str, ExplainerError] = {}
        for job, failure in self.encoding:
            done += len(job[4])
            rel = job[0]
            if failure:
                errors.setdefault(rel, ContentError(f"{failure}: {rel}", self.plan.uses[rel].where(),
                                                    hint="copy or export the picture again"))
            if self.progress and total:
                self.progress(done, total, "encoding images")
        raise_all(list(errors.values()))
        self.store.rescan()
        if self.prune:
            self.store.prune({planned.key for planned in self.plan.files.values()})
        return ImageReport(self.plan, self.store, total)


def _encoding(jobs: list[Job], pool: parallel.PoolOnDemand) -> Iterator[tuple[Job, str | None]]:
    """The jobs handed to the pool's workers now (a single job, or one worker: encoded when asked for),
    and their results as they come."""
    if len(jobs) < 2 or pool.count < 2:
        return ((job, _encode_job(job)) for job in jobs)
    from concurrent.futures import as_completed  # (with logging) only when the pool encodes
    workers = pool.get()
    futures = {workers.submit(_encode_job, job): job for job in jobs}
    return ((futures[future], future.result()) for future in as_completed(futures))


def _encode_job(job: Job) -> str | None:
    """Encode the outputs into the store; the reason in words when the picture cannot be encoded."""
    _, path, digest, kind, outputs, keys, folder = job
    try:
        data = path.read_bytes()
    except OSError as err:
        return f"cannot read the image ({err.strerror or err})"
    if write.digest(data) != digest:
        return "the image changed while the site was building (build again)"
    try:
        encoded = encode(data, kind, outputs)
    except PictureError as err:
        return str(err)
    store = Store(folder, scan=False)
    for key, output, made in zip(keys, outputs, encoded):
        store.put(key, output.extension, made)
    return None


def memo_path(folder: Path) -> Path:
    return folder / SOURCES_FILE


def is_preview(config: SiteConfig) -> bool:
    """A build that shows more than the site publishes: it must not prune what the published site uses."""
    return config.drafts or config.future


