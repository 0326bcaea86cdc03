"""The source registry: ``ingest/registry/*.yml`` loaded into typed, validated objects.

One file per source (publisher, licence, official URLs, mirror paths, format and parser options, and the
datasets it yields), plus ``_areas.yml`` for registry-wide settings. Adding a source of a known format is
one registry file plus indicator catalogue rows: no new Python, and the dbt sources and staging models are
generated from the registry (``pipeline.codegen``, ``his generate``). ``load_registry`` validates every entry and
raises :class:`~ingest.errors.HisError` naming the file, entry and field that are wrong.

One indicator id may come from more than one dataset only when their periods cannot overlap, by declaration:
at least one of each pair limits the indicator to listed ``periods`` and the other leaves every one of those
out (``exclude_periods``, or its own ``periods`` list without them). Labels are compared as the period
parser normalises them. So the canonical key (indicator, area, period, sex, age, category) stays unique
across datasets: e.g. adult smoking 2019 comes from the full-layout Fingertips export (with its CIs and
counts) and every other year from the lifestyle time series, which excludes 2019.

A single YAML file with a top-level ``sources:`` list (and optional ``area_names:``) is also accepted, which
is what tests use for a throwaway registry.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import HisError

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "registry"
SETTINGS_FILE = "_areas.yml"

KINDS = {"indicator", "reference", "returns"}
# Dataset kind ``returns`` (programme delivery returns: reported figures, not official statistics) is read by
# the returns formats only, and they read nothing else; its rows are keyed by return_id.
RETURNS_FORMATS = {"programme_returns"}
RETURNS_KEY = ["return_id"]
AREA_LEVELS = {"borough", "london", "england", "reference"}
SOURCE_FIELDS = {"id", "title", "publisher", "licence", "homepage", "required", "format", "options", "files",
                 "datasets", "notes", "cadence"}
# The publisher's cadence (registry field ``cadence``) -> (days after the edition in use when a new one is
# overdue: dbt freshness warn_after, days when it is long overdue: error_after). A new edition is expected one
# period after the last, plus a grace for publication slipping; long overdue is two missed editions. A one-off
# publication (a fixed edition, e.g. IoD2019, a boundary file) is never overdue: no freshness thresholds.
CADENCES: dict[str, tuple[int, int] | None] = {
    "monthly": (45, 90),
    "quarterly": (120, 240),
    "annual": (400, 760),
    "biennial": (790, 1490),
    "one-off": None,
}
FILE_FIELDS = {"id", "url", "mirror_path", "ext", "options"}
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DATASET_FIELDS = {"id", "kind", "file", "files", "area_level", "key_columns", "indicators", "options", "description"}
INDICATOR_KEY = ["indicator_id", "area_code", "period_label", "sex", "age", "category_type", "category"]


def _formats() -> set[str]:
    from ingest.sources.formats import FORMATS

    return set(FORMATS)


@dataclass(frozen=True)
class SourceFile:
    id: str
    url: str
    mirror_path: str | None
    ext: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    id: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    id: str
    source_id: str
    kind: str
    file_ids: list[str]
    area_level: str
    key_columns: list[str]
    indicator_specs: list[Indicator]
    options: dict[str, Any]
    description: str = ""

    @property
    def indicators(self) -> list[str]:
        return [i.id for i in self.indicator_specs]

    def lake_path(self, cfg: Any) -> Path:
        from ingest.sources.lake import RESERVED, confined

        if self.source_id in RESERVED:
            raise HisError(f"source id {self.source_id!r} is reserved for the lake's own folders ({sorted(RESERVED)})")
        return confined(Path(cfg.lake_dir), self.source_id, f"{self.id}.parquet",
                        what=f"source {self.source_id}: dataset id")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    licence: str
    homepage: str
    required: bool
    format: str
    options: dict[str, Any]
    files: list[SourceFile]
    datasets: list[Dataset]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    cadence: str = "one-off"  # the publisher's cadence (CADENCES)

    @property
    def freshness_days(self) -> tuple[int, int] | None:
        """(overdue after, long overdue after) in days since the edition in use, or None (one-off)."""
        return CADENCES[self.cadence]

    def file(self, file_id: str) -> SourceFile:
        for f in self.files:
            if f.id == file_id:
                return f
        raise KeyError(file_id)

    def config_sha256(self) -> str:
        """Hash of this entry's configuration: a changed entry re-parses even when the bytes did not change."""
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Registry:
    sources: list[Source]
    path: Path
    area_names: dict[str, str] = field(default_factory=dict)

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        known = ", ".join(s.id for s in self.sources)
        raise HisError(f"unknown source '{source_id}' (registry {self.path}); known sources: {known}")

    def datasets(self) -> list[Dataset]:
        return [d for s in self.sources for d in s.datasets]

    def dataset(self, dataset_id: str) -> Dataset:
        for d in self.datasets():
            if d.id == dataset_id:
                return d
        raise HisError(f"unknown dataset '{dataset_id}' (registry {self.path})")


class _Checker:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, message: str) -> None:
        raise HisError(f"source registry {self.path}: {where}: {message}")

    def need(self, entry: dict, name: str, where: str, kind: type | tuple = str) -> Any:
        if name not in entry or entry[name] is None or entry[name] == "":
            self.fail(where, f"missing required field '{name}'")
        value = entry[name]
        if not isinstance(value, kind):
            self.fail(where, f"field '{name}' must be {getattr(kind, '__name__', kind)}, got {value!r}")
        return value

    def only(self, entry: dict, allowed: set[str], where: str) -> None:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            self.fail(where, f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise HisError(f"source registry {path} is not valid YAML: {exc}") from exc


def _read_documents(path: Path) -> tuple[list[tuple[Path, Any]], dict[str, str]]:
    """(file, source entry) pairs and the area names, from a registry folder or a single registry file."""
    if path.is_dir():
        entries = []
        area_names: dict[str, str] = {}
        for f in sorted(path.glob("*.yml")):
            doc = _read_yaml(f)
            if f.name == SETTINGS_FILE:
                area_names = dict((doc or {}).get("area_names") or {})
                continue
            if not isinstance(doc, dict):
                raise HisError(f"source registry {f}: expected one source entry (a mapping), got {type(doc).__name__}")
            if doc.get("id") != f.stem:
                raise HisError(f"source registry {f}: the file name must be the source id + '.yml' "
                               f"(id is {doc.get('id')!r})")
            entries.append((f, doc))
        if not entries:
            raise HisError(f"source registry {path} holds no source entries (*.yml)")
        return entries, area_names
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise HisError(f"source registry {path}: top level: expected a mapping with a 'sources' list")
    return [(path, e) for e in doc["sources"]], dict(doc.get("area_names") or {})


def load_registry(path: Path | str | None = None) -> Registry:
    """Load and validate the registry (default: the folder ``ingest/registry``)."""
    path = Path(path) if path else REGISTRY_PATH
    if not path.exists():
        raise HisError(f"source registry {path} does not exist")
    documents, area_names = _read_documents(path)
    formats = _formats()
    sources: list[Source] = []
    seen_sources: set[str] = set()
    seen_datasets: dict[str, str] = {}
    seen_indicators: dict[str, list[tuple[str, Path, Any]]] = {}  # id -> (dataset, file, period selection)
    for i, (entry_path, entry) in enumerate(documents, start=1):
        check = _Checker(entry_path)
        if not isinstance(entry, dict):
            check.fail(f"source #{i}", "each source must be a mapping")
        sid = check.need(entry, "id", f"source #{i}")
        where = f"source '{sid}'"
        check.only(entry, SOURCE_FIELDS, where)
        if sid in seen_sources:
            check.fail(where, "duplicate source id")
        seen_sources.add(sid)
        for name in ("title", "publisher", "licence", "homepage", "format"):
            check.need(entry, name, where)
        fmt = entry["format"]
        if fmt not in formats:
            check.fail(where, f"unknown format '{fmt}' (known: {', '.join(sorted(formats))})")
        cadence = check.need(entry, "cadence", where)
        if cadence not in CADENCES:
            check.fail(where, f"cadence must be one of {', '.join(CADENCES)} (how often the publisher issues a "
                              f"new edition), got {cadence!r}")
        required = entry.get("required", False)
        if not isinstance(required, bool):
            check.fail(where, f"field 'required' must be true or false, got {required!r}")
        files: list[SourceFile] = []
        for j, f in enumerate(check.need(entry, "files", where, list), start=1):
            fwhere = f"{where} file #{j}"
            if not isinstance(f, dict):
                check.fail(fwhere, "each file must be a mapping")
            check.only(f, FILE_FIELDS, fwhere)
            fid = check.need(f, "id", fwhere)
            url = check.need(f, "url", fwhere)
            if not url.startswith(("https://", "http://")):
                check.fail(fwhere, f"url must be http(s), got {url!r}")
            ext = check.need(f, "ext", fwhere)
            if fid in {x.id for x in files}:
                check.fail(fwhere, f"duplicate file id '{fid}'")
            files.append(SourceFile(fid, url, f.get("mirror_path"), ext, dict(f.get("options") or {})))
        for f in files:
            by = f.options.get("superseded_by")
            if by is not None and (by == f.id or by not in {x.id for x in files}):
                check.fail(f"{where} file '{f.id}'", f"option superseded_by must name another file of the source, "
                           f"got {by!r}")
        datasets: list[Dataset] = []
        for j, d in enumerate(check.need(entry, "datasets", where, list), start=1):
            dwhere = f"{where} dataset #{j}"
            if not isinstance(d, dict):
                check.fail(dwhere, "each dataset must be a mapping")
            did = check.need(d, "id", dwhere)
            if not SAFE_ID.match(did):  # it becomes a file name in the lake (and lake_path confines it too)
                check.fail(dwhere, f"dataset id {did!r} must be letters, digits, '_', '-' and '.', starting "
                                   "with a letter or digit (it becomes a file name)")
            dwhere = f"{where} dataset '{did}'"
            check.only(d, DATASET_FIELDS, dwhere)
            if did in seen_datasets:
                check.fail(dwhere, f"duplicate dataset id (also in source '{seen_datasets[did]}')")
            seen_datasets[did] = sid
            kind = check.need(d, "kind", dwhere)
            if kind not in KINDS:
                check.fail(dwhere, f"kind must be one of {sorted(KINDS)}, got {kind!r}")
            file_ids = d.get("files") or ([d["file"]] if d.get("file") else [f.id for f in files])
            for fid in file_ids:
                if fid not in {f.id for f in files}:
                    check.fail(dwhere, f"refers to unknown file '{fid}'")
            area_level = d.get("area_level", "borough" if kind == "indicator" else "reference")
            if area_level not in AREA_LEVELS:
                check.fail(dwhere, f"area_level must be one of {sorted(AREA_LEVELS)}, got {area_level!r}")
            specs: list[Indicator] = []
            if kind == "indicator":
                for k, ind in enumerate(check.need(d, "indicators", dwhere, list), start=1):
                    if not isinstance(ind, dict):
                        check.fail(f"{dwhere} indicator #{k}", "each indicator must be a mapping")
                    iid = check.need(ind, "id", f"{dwhere} indicator #{k}")
                    iopts = {k2: v for k2, v in ind.items() if k2 != "id"}
                    selection = _period_selection(entry, d, files, file_ids, iopts)
                    for other, _, other_selection in seen_indicators.get(iid, []):
                        if other == did:
                            check.fail(f"{dwhere} indicator '{iid}'", "duplicate indicator id in the same dataset")
                        if not _disjoint(selection, other_selection):
                            check.fail(f"{dwhere} indicator '{iid}'",
                                       f"duplicate indicator id (also in dataset '{other}') and the two datasets' "
                                       "periods can overlap: limit one to `periods: [...]` and leave those out of "
                                       "the other (`exclude_periods: [...]`)")
                    seen_indicators.setdefault(iid, []).append((did, entry_path, selection))
                    specs.append(Indicator(iid, iopts))
                key = list(d.get("key_columns") or INDICATOR_KEY)
            elif kind == "returns":
                if d.get("indicators"):
                    check.fail(dwhere, "a returns dataset carries no indicators")
                if fmt not in RETURNS_FORMATS:
                    check.fail(dwhere, f"a returns dataset is read by a returns format ({', '.join(sorted(RETURNS_FORMATS))}), "
                                       f"not '{fmt}'")
                key = list(d.get("key_columns") or RETURNS_KEY)
                if key != RETURNS_KEY:
                    check.fail(dwhere, f"a returns dataset is keyed by {RETURNS_KEY}, got key_columns {key!r}")
            else:
                if d.get("indicators"):
                    check.fail(dwhere, "a reference dataset carries no indicators")
                key = check.need(d, "key_columns", dwhere, list)
            if not key or not all(isinstance(k, str) and k and k.isprintable() for k in key):
                check.fail(dwhere, f"key_columns must be a list of column names, got {key!r}")
            if fmt in RETURNS_FORMATS and kind != "returns":
                check.fail(dwhere, f"format '{fmt}' reads returns datasets only (kind: returns), got kind {kind!r}")
            datasets.append(Dataset(did, sid, kind, list(file_ids), area_level, key, specs,
                                    dict(d.get("options") or {}), d.get("description", "")))
        if not datasets:
            check.fail(where, "a source must yield at least one dataset")
        sources.append(Source(sid, entry["title"], entry["publisher"], entry["licence"], entry["homepage"],
                              required, fmt, dict(entry.get("options") or {}), files, datasets, raw=entry,
                              cadence=cadence))
    return Registry(sources=sources, path=path, area_names=area_names)


def _period_selection(entry: dict, d: dict, files: list[SourceFile], file_ids: list[str],
                      iopts: dict[str, Any]) -> tuple[set[str] | None, set[str]]:
    """What periods one indicator of one dataset can yield, by declaration: (the only labels, or None for any;
    the labels it excludes), normalised by its period type, taken over every file of the dataset."""
    from ingest.sources.periods import declared_periods, normalise_label

    only: set[str] | None = set()
    excluded: set[str] | None = None
    for f in files:
        if f.id not in file_ids:
            continue
        opts = {**(entry.get("options") or {}), **(d.get("options") or {}), **f.options}
        ptype = iopts.get("period_type", opts.get("period_type"))
        f_only, f_excluded = declared_periods(opts, iopts)
        f_excluded = {normalise_label(p, ptype) for p in f_excluded}
        if f_only is None or only is None:
            only = None
        else:
            only |= {normalise_label(p, ptype) for p in f_only}
        excluded = f_excluded if excluded is None else excluded & f_excluded
    return (None if only is None else only - (excluded or set())), excluded or set()


def _disjoint(a: tuple[set[str] | None, set[str]], b: tuple[set[str] | None, set[str]]) -> bool:
    """True when two declared period selections cannot yield the same period."""
    def covers(x: tuple[set[str] | None, set[str]], y: tuple[set[str] | None, set[str]]) -> bool:
        # x is limited to a list, and y yields none of it
        return x[0] is not None and all(p in y[1] or (y[0] is not None and p not in y[0]) for p in x[0])
    return covers(a, b) or covers(b, a)


def registry_document(path: Path | str | None = None) -> dict[str, Any]:
    """The registry as one plain document ``{"area_names": ..., "sources": [...]}`` (for tests and tools that
    write a modified copy as a single file)."""
    documents, area_names = _read_documents(Path(path) if path else REGISTRY_PATH)
    return {"area_names": area_names, "sources": [entry for _, entry in documents]}
