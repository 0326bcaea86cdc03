"""STAND-IN fetch layer (mirror only). TO BE REPLACED by the real one from the `fetch` branch.

This file exists only so the lake work (branch `lake`) can run before the real fetch layer
(HTTP with timeouts, retries, back-off, streaming, atomic writes) is merged. It implements the agreed
API from INTERFACES.md ("Fetch layer") but supports just two cases:

- ``cfg.mirror`` set and ``cfg.mirror / mirror_path`` exists: copy the bytes into
  ``data/raw/<source_id>/<sha256>.<ext>`` (atomically) and append a row to ``data/raw/manifest.csv``;
- otherwise: the latest cached snapshot for the url, else :class:`SourceUnavailable`.

It never touches the network. Nothing in the lake code depends on anything here beyond
``fetch``, ``Snapshot`` and ``SourceUnavailable``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError

MANIFEST_COLUMNS = ["source_id", "url", "path", "retrieved_at", "bytes", "sha256", "origin"]


@dataclass(frozen=True)
class Snapshot:
    source_id: str
    url: str
    path: Path
    sha256: str
    bytes: int
    retrieved_at: str
    origin: str
    changed: bool


class SourceUnavailable(HisError):
    """Offline, no mirror copy and nothing cached for this source."""


def _manifest_path(cfg: Settings) -> Path:
    return cfg.raw_dir / "manifest.csv"


def read_manifest(cfg: Settings) -> list[dict]:
    path = _manifest_path(cfg)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def latest_snapshot(cfg: Settings, source_id: str, url: str) -> Snapshot | None:
    rows = [r for r in read_manifest(cfg) if r["source_id"] == source_id and r["url"] == url]
    for row in reversed(rows):
        path = Path(row["path"])
        if not path.is_absolute():
            path = cfg.raw_dir / path
        if path.exists():
            return Snapshot(source_id, url, path, row["sha256"], int(row["bytes"]), row["retrieved_at"],
                            "cache", False)
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(cfg: Settings, source_id: str, url: str, *, mirror_path: str | None = None, ext: str | None = None,
          offline: bool = False, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0,
          client: Any = None) -> Snapshot:
    """Stand-in: copy the mirror file into the raw cache (or reuse the cache); no network."""
    previous = latest_snapshot(cfg, source_id, url)
    src = cfg.mirror / mirror_path if (cfg.mirror and mirror_path) else None
    if src is None or not src.exists():
        if previous is not None:
            return previous
        where = f"mirror {cfg.mirror}" if cfg.mirror else "no mirror configured"
        raise SourceUnavailable(
            f"source {source_id}: no copy of {url} ({where}, nothing cached; stand-in fetch has no network)"
        )
    digest = _sha256(src)
    suffix = ext or src.suffix.lstrip(".") or "bin"
    dest = cfg.raw_dir / source_id / f"{digest}.{suffix}"
    if previous is not None and previous.sha256 == digest and previous.path.exists():
        return Snapshot(source_id, url, previous.path, digest, previous.bytes, previous.retrieved_at, "cache", False)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    size = dest.stat().st_size
    manifest = _manifest_path(cfg)
    new = not manifest.exists()
    with manifest.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow({"source_id": source_id, "url": url, "path": str(dest.relative_to(cfg.raw_dir)),
                         "retrieved_at": now, "bytes": size, "sha256": digest, "origin": "mirror"})
    return Snapshot(source_id, url, dest, digest, size, now, "mirror", True)
