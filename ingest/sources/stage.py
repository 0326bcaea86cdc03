"""The ``ingest`` stage: for every registered source, fetch -> parse -> write the lake.

- Fetch goes through ``ingest.fetch.fetch`` (network, mirror or cache). A source that cannot be read is
  recorded "unavailable" with the reason; the build goes on unless the source is ``required``. An
  unavailable indicator dataset that was never ingested gets an empty file with the canonical columns,
  so dbt's sources resolve and the marts simply have no rows for it. A source with some of its files
  missing (e.g. editions not in the mirror) is parsed from the files it has and recorded "available" with
  each missing file id and why in ``reason`` (also in the log line); a source whose file could not be had
  but whose last accepted snapshot stands in is "stale" (``snapshot_at``, ``plain_reason``). A file whose option ``superseded_by``
  names an available file (a revised edition replacing a provisional one) is not parsed.
- A dataset whose sheet is missing from its workbook (``SheetMissing``) is an error naming the sheet, unless
  the dataset (or source) says ``sheet_missing: unavailable`` (e.g. the mirror holds a partial copy of a
  workbook): then that dataset alone is "unavailable", logged on one line naming the sheet, recorded in
  ``data/lake/dataset_status.csv`` and summarised in the source's status reason; it gets the same empty
  canonical file when it was never ingested, and the source's other datasets are written as usual.
- A dataset is parsed only when its raw snapshot sha256 (or the registry entry) differs from what the
  lake manifest recorded, or its Parquet file is missing or (indicator datasets) lacks today's canonical
  columns; otherwise it is "unchanged".
- All datasets of a source are parsed before any is written; each Parquet file is written to a temp
  file and renamed, so a bad file leaves the lake exactly as it was.

Outputs: ``data/lake/<source>/<dataset>.parquet``, ``data/lake/manifest.csv`` (append; latest row per
dataset wins), ``data/lake/source_status.csv`` (one row per source) and ``data/lake/dataset_status.csv``
(one row per dataset: available | unavailable | error, with the reason).
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ingest.config import Settings
from ingest.errors import HisError
from ingest.fetch import FetchError, Snapshot, SourceUnavailable, clean_stale_temp, fetch, latest_snapshot
from ingest.fetch import read_manifest as read_raw_manifest
from ingest.progress import log
from ingest.sources.conform import (
    CANONICAL,
    CANONICAL_SCHEMA,
    FileContext,
    check_cut_last_value,
    check_unique,
    empty_canonical,
)
from ingest.sources.formats import FORMATS
from ingest.sources.formats.spreadsheet import SheetMissing
from ingest.sources.registry import Dataset, Registry, Source, load_registry

MANIFEST_COLUMNS = ["dataset_id", "source_id", "path", "rows", "snapshot_sha256", "parsed_at", "config_sha256"]
# status: available | stale (a download failed or the mirror lost its copy, and the last accepted snapshot of
# that file is used: snapshot_at is its retrieval time) | unavailable | error. plain_reason: why a source is
# stale, in words for the report (no paths).
# cadence: the publisher's (registry); edition_at: the newest edition in use (:func:`edition_at`);
# overdue_after_days: days after edition_at when a new edition is overdue (empty for a one-off publication).
STATUS_COLUMNS = ["source_id", "status", "reason", "checked_at", "snapshot_at", "plain_reason", "cadence",
                  "edition_at", "overdue_after_days"]
DATASET_STATUS_COLUMNS = ["dataset_id", "source_id", "status", "reason", "checked_at"]
SHEET_MISSING = {"error", "unavailable"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def manifest_path(cfg: Settings) -> Path:
    return cfg.lake_dir / "manifest.csv"


def status_path(cfg: Settings) -> Path:
    return cfg.lake_dir / "source_status.csv"


def read_lake_manifest(cfg: Settings) -> dict[str, dict[str, str]]:
    """Latest manifest row per dataset id."""
    path = manifest_path(cfg)
    latest: dict[str, dict[str, str]] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                latest[row["dataset_id"]] = row
    return latest


def dataset_status_path(cfg: Settings) -> Path:
    return cfg.lake_dir / "dataset_status.csv"


def read_source_status(cfg: Settings) -> dict[str, dict[str, str]]:
    path = status_path(cfg)
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["source_id"]: r for r in csv.DictReader(fh)}


def read_dataset_status(cfg: Settings) -> dict[str, dict[str, str]]:
    """dataset id -> its row in ``dataset_status.csv`` (status available | unavailable | error, reason)."""
    path = dataset_status_path(cfg)
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["dataset_id"]: r for r in csv.DictReader(fh)}


def _sheet_missing_policy(source: Source, dataset: Dataset) -> str:
    policy = str({**source.options, **dataset.options}.get("sheet_missing", "error"))
    if policy not in SHEET_MISSING:
        raise HisError(f"source {source.id}, dataset {dataset.id}: option sheet_missing must be one of "
                       f"{sorted(SHEET_MISSING)}, got {policy!r}")
    return policy


def _atomic_write_parquet(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".parquet.tmp")
    os.close(fd)
    try:
        df.write_parquet(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write_csv(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".csv.tmp")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def _append_manifest(cfg: Settings, rows: list[dict[str, Any]]) -> None:
    path = manifest_path(cfg)
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerows(rows)


def _combined_sha(shas: list[str]) -> str:
    return shas[0] if len(shas) == 1 else hashlib.sha256("\n".join(shas).encode()).hexdigest()


def superseded(source: Source, file_id: str, snaps: dict[str, Any]) -> str | None:
    """The file that replaces ``file_id`` when both are available (file option ``superseded_by``, e.g. a
    revised edition replacing the provisional one of the same year), else None."""
    by = source.file(file_id).options.get("superseded_by")
    return by if by and by in snaps else None


def _lake_is_current(d: Dataset, cfg: Settings) -> bool:
    """The dataset's Parquet exists and, for an indicator dataset, has today's canonical columns (a lake written
    before the contract grew is parsed again)."""
    path = d.lake_path(cfg)
    if not path.exists():
        return False
    if d.kind == "returns":
        from ingest.sources.returns import LAKE_SCHEMA

        return pl.read_parquet_schema(path) == LAKE_SCHEMA
    return d.kind != "indicator" or pl.read_parquet_schema(path) == CANONICAL_SCHEMA


def _widen_to_canonical(path: Path) -> None:
    """An unavailable source's old lake file in an earlier canonical shape: add the new columns as null (the
    rows themselves are kept as accepted)."""
    df = pl.read_parquet(path)
    df = df.with_columns([pl.lit(None, dtype=t).alias(n) for n, t in CANONICAL if n not in df.columns])
    _atomic_write_parquet(df.select([pl.col(n).cast(t) for n, t in CANONICAL]), path)


def edition_at(raw_rows: list[dict[str, str]], snaps: list[Snapshot]) -> str:
    """When the newest file in use was published, as well as the raw manifest knows (UTC ISO 8601): the
    server's ``Last-Modified`` when it sent one, else the mirror file's modification time (when the copy was
    taken from the publisher), else when these bytes were first stored (a lower bound on their age). dbt's
    source freshness and the data-quality page's overdue list count from it."""
    from email.utils import parsedate_to_datetime

    by_sha = {(r["source_id"], r["sha256"]): r for r in raw_rows}  # latest row per snapshot wins
    out = []
    for snap in snaps:
        row = by_sha.get((snap.source_id, snap.sha256)) or {}
        when = snap.retrieved_at
        try:
            if row.get("last_modified"):
                when = parsedate_to_datetime(row["last_modified"]).astimezone(UTC).isoformat(timespec="seconds")
            elif row.get("mirror_mtime"):
                when = datetime.fromtimestamp(int(row["mirror_mtime"]) / 1e9, UTC).isoformat(timespec="seconds")
        except (TypeError, ValueError):
            pass
        out.append(when)
    return max(out) if out else ""


def _plain_error(last_error: str) -> str:
    """A fetch error in a few plain words: 'HTTP 404 Not Found' stays, anything else is 'no answer'."""
    first = (last_error or "").split(";")[0].strip()
    return first if first.startswith("HTTP ") else "the publisher's site did not answer in time"


def _placeholder(cfg: Settings, source: Source, d: Dataset, missing: dict[str, str]) -> str | None:
    """Give an unavailable dataset what dbt needs to resolve its source: an indicator dataset never ingested
    gets an empty canonical file (an old one is widened to today's columns). A reference dataset with no
    accepted lake file cannot be stood in for: the returned error names the source and its missing file(s)
    here, at ingest, instead of dbt failing later with "No files found ... .parquet"."""
    path = d.lake_path(cfg)
    if d.kind == "returns":  # no reported figures this time: an empty returns table, the old one kept
        from ingest.sources.returns import LAKE_SCHEMA

        if not path.exists():
            _atomic_write_parquet(pl.DataFrame(schema=LAKE_SCHEMA), path)
        return None
    if d.kind == "indicator":
        if not path.exists():
            _atomic_write_parquet(empty_canonical(), path)
        elif not _lake_is_current(d, cfg):
            _widen_to_canonical(path)
        return None
    if path.exists():
        return None
    files = ", ".join(f"{fid} ({source.file(fid).mirror_path or source.file(fid).url})" for fid in d.file_ids
                      if fid in missing) or ", ".join(d.file_ids)
    return (f"source {source.id}: reference dataset {d.id} has no accepted lake file and its file(s) {files} "
            "could not be had: nothing to build from (dbt would find no file)")


def parse_dataset(registry: Registry, source: Source, dataset: Dataset, snaps: dict[str, Snapshot],
                  warnings: list[str] | None = None) -> pl.DataFrame:
    """Parse every available file of one dataset and combine them (raises ParseError on a bad file). What the
    parsers kept out but must not drop silently (e.g. unknown borough codes) is added to ``warnings``."""
    parser = FORMATS[source.format]
    frames = []
    for fid in dataset.file_ids:
        if fid not in snaps or superseded(source, fid, snaps):
            continue
        f = source.file(fid)
        snap = snaps[fid]
        options = {**source.options, **dataset.options, **f.options}
        ctx = FileContext(source.id, dataset.id, fid, Path(snap.path), f.url, f.mirror_path, snap.sha256, options)
        frames.append((ctx, parser(ctx, dataset, source, registry)))
        if warnings is not None:
            warnings.extend(ctx.warnings)
    df = pl.concat([fr for _, fr in frames], how="vertical_relaxed") if len(frames) > 1 else frames[0][1]
    check_unique(frames[-1][0], df, dataset.key_columns)
    return df


def run(cfg: Settings, *, sources: tuple[str, ...] | list[str] = (), offline: bool = False,
        registry: Path | str | None = None, staged: bool = False) -> str:
    """Ingest ``sources`` (default: every registered source) into the lake; returns a one-line summary.

    ``offline``: never touch the network (mirror or cache only). ``registry``: another registry folder or file
    (default: the project's ``ingest/registry``). ``staged`` (what ``his ingest`` and ``his build`` use): parsed
    datasets go to the staging area ``data/lake/.staging/<run>/`` and reach the lake only when gate 1 passes
    (:mod:`ingest.sources.lake`); without it they are written to the lake directly (parser tests)."""
    from ingest.sources import lake as lake_tx

    run_id = (lake_tx.pending_run(cfg) or lake_tx.new_run_id()) if staged else None
    clean_stale_temp(cfg)

    def target(d: Dataset) -> Path:
        return lake_tx.staged_path(cfg, run_id, d.source_id, d.id) if run_id else d.lake_path(cfg)

    default = cfg.project_root / "ingest" / "registry"
    loaded = load_registry(registry or (default if default.exists() else None))
    wanted = [sources] if isinstance(sources, str) else list(sources)
    registry_sources = [loaded.source(s) for s in wanted] if wanted else loaded.sources
    registry = loaded
    manifest = read_lake_manifest(cfg)
    statuses = read_source_status(cfg)
    dstatuses = read_dataset_status(cfg)

    def dstatus(source: Source, d: Dataset, status: str, reason: str = "") -> None:
        dstatuses[d.id] = {"dataset_id": d.id, "source_id": source.id, "status": status, "reason": reason,
                           "checked_at": _now()}
    errors: list[str] = []
    written = unchanged = 0
    unavailable: list[str] = []
    for n, source in enumerate(registry_sources, start=1):
        start = time.perf_counter()
        snaps: dict[str, Snapshot] = {}
        missing: dict[str, str] = {}
        stale: dict[str, str] = {}
        plain: dict[str, str] = {}  # file id -> why it is stale, in plain words (the report shows these)
        cut: list[str] = []  # files that are the previous snapshot cut inside a value (an error)
        for f in source.files:
            why = ""
            before = latest_snapshot(cfg, source.id, f.url) if f.ext == "csv" else None
            try:
                snap = fetch(cfg, source.id, f.url, mirror_path=f.mirror_path, ext=f.ext, offline=offline,
                             max_bytes={**source.options, **f.options}.get("max_bytes"))
                snaps[f.id] = snap
                if before is not None and snap.changed:
                    try:
                        check_cut_last_value(f"source {source.id}, file {f.mirror_path or f.url} (snapshot "
                                             f"{Path(snap.path).name})", Path(snap.path).read_bytes(),
                                             Path(before.path).read_bytes())
                    except HisError as exc:  # never a fallback nor a baseline: marked rejected at once
                        cut.append(str(exc))
                        lake_tx.mark_rejected(cfg, [{"source_id": source.id, "url": f.url, "sha256": snap.sha256}],
                                              run_id or "ingest", ",".join(d.id for d in source.datasets
                                                                           if f.id in d.file_ids), str(exc)[:500])
                if snap.fallback:  # the mirror had no copy: the last accepted snapshot stands in
                    why, plain[f.id] = snap.fallback, "the offline copy of the publisher's file is missing"
            except SourceUnavailable as exc:
                missing[f.id] = f"{f.id}: {exc}"
                log(f"  {source.id}/{f.id}: MISSING ({exc})")
            except FetchError as exc:  # download failed but an earlier snapshot exists: use it, say so
                if exc.previous is not None:
                    snaps[f.id] = exc.previous
                    why = f"the download failed ({exc.last_error or exc})"
                    plain[f.id] = f"the download from the publisher failed ({_plain_error(exc.last_error)})"
                else:
                    missing[f.id] = f"{f.id}: {exc}"
            if why:  # loud: the final failure and the fallback, on the console and in source_status.csv
                stale[f.id] = f"{f.id}: using the snapshot of {snaps[f.id].retrieved_at[:10]} because {why}"
                log(f"  {source.id}/{stale[f.id]}")
        if cut:
            errors.extend(cut)
            statuses[source.id] = {"source_id": source.id, "status": "error", "reason": "; ".join(cut),
                                   "checked_at": _now()}
            for d in source.datasets:
                dstatus(source, d, "error", "; ".join(cut))
            log(f"  [{n}/{len(registry_sources)}] {source.id}: ERROR {'; '.join(cut)}")
            continue
        if not snaps:
            first = next(iter(missing.values()))
            reason = first if len(missing) == 1 else f"{first} (and {len(missing) - 1} more file(s) likewise)"
            statuses[source.id] = {"source_id": source.id, "status": "unavailable", "reason": reason,
                                   "checked_at": _now()}
            unavailable.append(source.id)
            for d in source.datasets:
                dstatus(source, d, "unavailable", reason)
                if (gap := _placeholder(cfg, source, d, missing)) is not None:
                    errors.append(gap)
            if source.required:
                errors.append(f"required source {source.id} is unavailable: {reason}")
            log(f"  [{n}/{len(registry_sources)}] {source.id}: UNAVAILABLE ({reason})")
            continue
        config_sha = source.config_sha256()
        todo: list[tuple[Dataset, pl.DataFrame, str]] = []
        warned: dict[str, list[str]] = {}  # dataset id -> what its parser kept out (gate 1 reports each)
        absent: list[tuple[Dataset, str]] = []  # datasets whose sheet is missing, reported unavailable
        skipped = 0
        try:
            for d in source.datasets:
                have = [snaps[fid].sha256 for fid in d.file_ids if fid in snaps]
                if not have:
                    absent.append((d, "; ".join(missing[fid] for fid in d.file_ids if fid in missing)))
                    continue
                combined = _combined_sha(have)
                prev = manifest.get(d.id)
                if (prev and prev.get("snapshot_sha256") == combined and prev.get("config_sha256") == config_sha
                        and _lake_is_current(d, cfg)):
                    skipped += 1
                    dstatus(source, d, "available")
                    if run_id:  # back to the accepted bytes: an older staged copy must not be promoted
                        lake_tx.unstage(cfg, run_id, d.id)
                    continue
                policy = _sheet_missing_policy(source, d)
                try:
                    todo.append((d, parse_dataset(registry, source, d, snaps, warned.setdefault(d.id, [])),
                                 combined))
                    for w in warned[d.id]:
                        log(f"  WARNING {w}")
                except SheetMissing as exc:
                    if policy != "unavailable":
                        raise
                    absent.append((d, exc.reason))
        except HisError as exc:
            errors.append(str(exc))
            statuses[source.id] = {"source_id": source.id, "status": "error", "reason": str(exc), "checked_at": _now()}
            for d in source.datasets:
                dstatus(source, d, "error", str(exc))
            log(f"  [{n}/{len(registry_sources)}] {source.id}: ERROR {exc}")
            continue
        for d, why in absent:
            dstatus(source, d, "unavailable", why)
            if (gap := _placeholder(cfg, source, d, missing)) is not None:
                errors.append(gap)
            log(f"  [{n}/{len(registry_sources)}] {source.id}/{d.id}: UNAVAILABLE ({why})")
        rows = []
        entries: dict[str, dict[str, Any]] = {}
        for d, df, combined in todo:
            _atomic_write_parquet(df, target(d))
            row = {"dataset_id": d.id, "source_id": source.id,
                   "path": str(d.lake_path(cfg).relative_to(Path(cfg.lake_dir).resolve())), "rows": df.height,
                   "snapshot_sha256": combined, "parsed_at": _now(), "config_sha256": config_sha}
            rows.append(row)
            entries[d.id] = {"row": row, "path": str(target(d)), "warnings": warned.get(d.id) or [],
                             "raw": [{"source_id": snaps[f].source_id, "url": snaps[f].url, "sha256": snaps[f].sha256}
                                     for f in d.file_ids if f in snaps]}
        if run_id:
            if entries:
                lake_tx.record_staged(cfg, run_id, entries)
        else:
            _append_manifest(cfg, rows)
        for d, df, _ in todo:
            dstatus(source, d, "available")
        written += len(todo)
        unchanged += skipped
        notes = [*(f"missing file {m}" for m in missing.values()), *(f"stale: {m}" for m in stale.values()),
                 *(f"file {fid} superseded by {by}" for fid in snaps if (by := superseded(source, fid, snaps)))]
        if absent:
            notes.append(f"{len(absent)} of {len(source.datasets)} datasets unavailable: "
                         + ", ".join(d.id for d, _ in absent) + " (reasons in dataset_status.csv)")
        reason = "; ".join(notes)
        in_use = [snaps[fid] for fid in snaps if not superseded(source, fid, snaps)] or list(snaps.values())
        oldest = min(in_use, key=lambda s: s.retrieved_at)
        statuses[source.id] = {
            "source_id": source.id, "status": "stale" if stale else "available", "reason": reason,
            "checked_at": _now(),
            # the date of the data in use: for a stale source the oldest fallback snapshot's retrieval
            "snapshot_at": min(snaps[f].retrieved_at for f in stale) if stale else oldest.retrieved_at,
            "plain_reason": "; ".join(sorted(set(plain.values()))),
            "edition_at": edition_at(read_raw_manifest(cfg), in_use),
        }
        detail = ", ".join(f"{d.id} {df.height:,} rows" for d, df, _ in todo)
        gaps = f", {len(missing)} of {len(source.files)} files missing ({', '.join(missing)})" if missing else ""
        log(f"  [{n}/{len(registry_sources)}] {source.id}: {len(todo)} written{' (' + detail + ')' if detail else ''}, "
            f"{skipped} unchanged{gaps}, {time.perf_counter() - start:.2f}s")
    for s in loaded.sources:  # the declared cadence, for every registered source (also those not run now)
        if s.id in statuses:
            days = s.freshness_days
            statuses[s.id] |= {"cadence": s.cadence, "overdue_after_days": days[0] if days else ""}
    _atomic_write_csv(list(statuses.values()), STATUS_COLUMNS, status_path(cfg))
    _atomic_write_csv(list(dstatuses.values()), DATASET_STATUS_COLUMNS, dataset_status_path(cfg))
    summary = (f"{len(registry_sources)} sources, {written} datasets {'staged for gate 1' if run_id else 'written'}, "
               f"{unchanged} unchanged, "
               f"{len(unavailable)} unavailable ({', '.join(unavailable) or 'none'})")
    if errors:
        raise HisError(f"ingest failed ({summary}); nothing was written for the failing source(s):\n- "
                       + "\n- ".join(errors))
    return summary
