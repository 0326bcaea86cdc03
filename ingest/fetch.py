"""Fetch layer: published files into the immutable raw cache ``data/raw/<source_id>/<sha256>.<ext>``.

:func:`fetch` gets the bytes of one official URL from one of three places:

- **the mirror** when ``cfg.mirror`` is set (``--mirror`` or ``HIS_MIRROR``): ``<mirror>/<mirror_path>`` is
  read instead of the network, which is never touched. A mirror file whose size and mtime match the
  manifest is not even re-hashed.
- **the cache** when ``offline=True`` (and no mirror), when the server answers ``304 Not Modified`` to a
  conditional request, or when the mirror has no copy but an earlier snapshot exists.
- **the network** otherwise: HTTP GET with connect/read timeouts, a bounded number of retries with
  exponential back-off (``tenacity``) for what another attempt can fix (read timeouts and connections
  dropped mid-body, 5xx and 429 honouring ``Retry-After``; never other 4xx), a descriptive User-Agent and
  ``If-None-Match`` / ``If-Modified-Since`` from the previous snapshot. A connection-level failure (name
  resolution, connection refused, no route, no answer to the connect within its timeout) is not retried:
  with an :class:`UnreachableHosts` passed in (the ingest stage passes one per run) it marks the host
  unreachable, one line says so, and the host's remaining files go straight to their last snapshot.

New bytes are streamed to a hidden temporary file in their destination folder while the sha256 is
computed, checked against ``Content-Length`` (a connection dropped mid-body is a failure, not a file),
then renamed into place. Bytes equal to the previous snapshot of the same URL make no new file
(``changed=False``). The manifest ``data/raw/manifest.csv`` (one row per snapshot, latest row wins) is
rewritten through a temporary file and a rename. Any failure leaves the cache and the manifest exactly
as they were.

Errors: :class:`FetchError` when the download failed but an earlier snapshot exists (the caller decides
whether stale data will do: ``exc.previous``); :class:`SourceUnavailable` (a ``FetchError``) when
there is nothing to fall back on. Both name the source and the URL.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import httpx
import tenacity

from ingest.config import Settings
from ingest.errors import HisError
from ingest.progress import log

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = [
    "source_id", "url", "path", "retrieved_at", "bytes", "sha256", "origin",
    "etag", "last_modified", "mirror_size", "mirror_mtime",
]  # fmt: skip
CHUNK = 1 << 16
BIG_FILE = 8 << 20  # files larger than this get running byte counts on stderr
PROGRESS_STEP = 16 << 20
MAX_DELAY = 60.0  # cap on one back-off wait, whatever Retry-After says
MAX_BYTES = 512 << 20  # default largest file kept (registry option ``max_bytes`` overrides it per source)
DEADLINE = 900.0  # default overall seconds for one file, retries and waits included

# The host cannot be reached at all (name resolution, refused, no route, TLS handshake, no answer to the
# connect): another attempt seconds later fares no better, so it is not retried and the host is marked
# unreachable for the run. A connect timeout (10 s) already spans the kernel's own SYN retransmissions.
_CONNECTION_LEVEL = (httpx.ConnectError, httpx.ConnectTimeout)
# Worth another attempt: a read timeout or a peer closing mid-body, a reset, a garbled stream, a proxy hiccup.
_RETRYABLE_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
    httpx.DecodingError,
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_manifest_lock = threading.Lock()


def _project_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("london-his-warehouse")
    except PackageNotFoundError:  # not installed as a distribution (e.g. run from a bare checkout)
        return "0.1"


_PRODUCT = f"london-his-warehouse/{_project_version()}"
USER_AGENT = f"{_PRODUCT} (London health inequalities warehouse; httpx/{httpx.__version__})"


@dataclass(frozen=True)
class Snapshot:
    """One immutable copy of a published file in the raw cache."""

    source_id: str
    url: str
    path: Path  # absolute: <data>/raw/<source_id>/<sha256>.<ext>
    sha256: str
    bytes: int
    retrieved_at: str  # UTC ISO 8601, when these bytes were first stored
    origin: str  # "network" | "mirror" | "cache"
    changed: bool  # False when the bytes equal the previous snapshot for this url
    fallback: str = ""  # why an older snapshot stands in for a copy that could not be had ("" when current)


class FetchError(HisError):
    """The file could not be fetched. ``previous`` is the last good snapshot (None if there is none)."""

    def __init__(
        self,
        message: str,
        *,
        source_id: str,
        url: str,
        attempts: int = 0,
        last_error: str = "",
        previous: Snapshot | None = None,
        unreachable_host: str = "",
    ) -> None:
        super().__init__(message)
        self.source_id = source_id
        self.url = url
        self.attempts = attempts
        self.last_error = last_error
        self.previous = previous
        # the host (``host[:port]``) this run found unreachable, when that is why ("" otherwise)
        self.unreachable_host = unreachable_host


class SourceUnavailable(FetchError):
    """No bytes for this source: offline, no mirror copy or the download failed, and nothing cached."""


def host_of(url: str) -> str:
    """The host a URL is fetched from, ``host[:port]`` as written (what :class:`UnreachableHosts` keys on)."""
    return urlparse(url).netloc.rsplit("@", 1)[-1].lower()


class UnreachableHosts:
    """The hosts one run found unreachable: host -> the connection-level error that showed it.

    The ingest stage makes one per run and passes it to every :func:`fetch`; the first connection-level
    failure marks the host (one log line per host), and every later file of that host goes straight to its
    last snapshot without a connection attempt. Thread-safe."""

    def __init__(self) -> None:
        self._why: dict[str, str] = {}
        self._lock = threading.Lock()

    def why(self, url: str) -> str | None:
        """The error that marked ``url``'s host unreachable this run, or None."""
        with self._lock:
            return self._why.get(host_of(url))

    def mark(self, url: str, error: str) -> bool:
        """Mark ``url``'s host unreachable because of ``error``; True when it was not marked yet."""
        host = host_of(url)
        with self._lock:
            if host in self._why:
                return False
            self._why[host] = error
        return True

    @property
    def hosts(self) -> dict[str, str]:
        with self._lock:
            return dict(self._why)


# --------------------------------------------------------------------------------------------- manifest


def manifest_path(cfg: Settings) -> Path:
    return cfg.raw_dir / MANIFEST_NAME


def read_manifest(cfg: Settings) -> list[dict]:
    """Every row of ``data/raw/manifest.csv`` in append order (all values strings; [] if none yet).

    ``path`` is relative to ``data/raw`` (``<source_id>/<sha256>.<ext>``); a :class:`Snapshot` holds it
    absolute.
    """
    path = manifest_path(cfg)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [{col: row.get(col) or "" for col in MANIFEST_COLUMNS} for row in csv.DictReader(f)]


def _append_manifest(cfg: Settings, row: dict) -> None:
    """Add one row: the whole manifest is written to a temporary file, then renamed over the old one."""
    with _manifest_lock:
        rows = read_manifest(cfg) + [row]
        _atomic_write_csv(manifest_path(cfg), rows)


def _atomic_write_csv(path: Path, rows: list[dict]) -> None:
    """The whole manifest through a temporary file, fsync and rename (readable: 0644 less the umask)."""
    import io

    from ingest.sources.lake import write_bytes

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_bytes(path, buf.getvalue().encode("utf-8"))


def _latest_row(rows: list[dict], source_id: str, url: str, rejected: set | None = None) -> dict | None:
    """The latest manifest row of ``url`` whose snapshot gate 1 did not reject (``data/raw/rejected.csv``)."""
    for row in reversed(rows):
        if row["source_id"] == source_id and row["url"] == url and (source_id, row["sha256"]) not in (rejected or ()):
            return row
    return None


def _rejected(cfg: Settings) -> set[tuple[str, str]]:
    from ingest.sources.lake import rejected_snapshots

    return rejected_snapshots(cfg)


def _row_snapshot(cfg: Settings, row: dict | None) -> Snapshot | None:
    """The snapshot a manifest row describes, or None when its file is missing or has the wrong size."""
    if row is None:
        return None
    path = cfg.raw_dir / row["path"]
    try:
        size = int(row["bytes"])
        if path.stat().st_size != size:
            return None
    except (OSError, ValueError):
        return None
    return Snapshot(
        row["source_id"],
        row["url"],
        path,
        row["sha256"],
        size,
        row["retrieved_at"],
        row["origin"],
        changed=False,
    )


def latest_snapshot(cfg: Settings, source_id: str, url: str) -> Snapshot | None:
    """The latest manifest snapshot of ``url`` for ``source_id`` if its file is intact, else None.

    ``origin`` is where those bytes came from; ``changed`` is always False here.
    """
    return _row_snapshot(cfg, _latest_row(read_manifest(cfg), source_id, url, _rejected(cfg)))


# ------------------------------------------------------------------------------------------------ fetch


def fetch(
    cfg: Settings,
    source_id: str,
    url: str,
    *,
    mirror_path: str | None = None,
    ext: str | None = None,
    offline: bool = False,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    client: httpx.Client | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
    hosts: UnreachableHosts | None = None,
) -> Snapshot:
    """Make sure the raw cache holds the current bytes of ``url`` and return that snapshot.

    ``mirror_path`` is relative to the mirror root; ``ext`` (without dot) defaults to the suffix of
    ``mirror_path`` or of the URL path, else ``bin``. ``timeout`` is the connect and read timeout in
    seconds, ``retries`` the number of retries after the first attempt, waiting ``backoff * 2**n``
    seconds between them (or the server's ``Retry-After``, capped at 60 s). A ``client`` passed in is
    used as is (not closed); the User-Agent, timeout and redirect policy are set per request.

    ``max_bytes`` (default :data:`MAX_BYTES`) bounds the file while it streams (and a larger Content-Length
    is refused before any byte is read); ``deadline`` (default :data:`DEADLINE` seconds) bounds the whole
    download, retries included, so a server dripping one byte every few seconds (never tripping the read
    timeout) still ends. Neither is retried. The temporary file is removed on every exit path.

    ``hosts`` (the run's :class:`UnreachableHosts`): a URL whose host is marked there is not tried at all (a
    :class:`FetchError` with ``unreachable_host`` set, carrying the previous snapshot), and a connection-level
    failure of this download marks its host.

    Raises :class:`SourceUnavailable` when nothing can be had and nothing is cached, and
    :class:`FetchError` when the download failed but an earlier snapshot exists (``exc.previous``).
    """
    if not _SAFE_ID.match(source_id):
        raise HisError(f"invalid source id {source_id!r}: use letters, digits, '_', '-' and '.' only")
    max_bytes = check_max_bytes(max_bytes, f"source {source_id}")
    # A snapshot gate 1 rejected is never the previous one: not a fallback, not the "unchanged" reference.
    row = _latest_row(read_manifest(cfg), source_id, url, _rejected(cfg))
    previous = _row_snapshot(cfg, row)
    job = _Job(cfg, source_id, url, _extension(ext, mirror_path, url), row if previous else None, previous,
               max_bytes or MAX_BYTES, time.monotonic() + float(deadline or DEADLINE))

    if cfg.mirror is not None:
        return job.from_mirror(cfg.mirror, mirror_path)
    if offline:
        return job.from_cache("offline and no mirror set", stale=False)
    if hosts is not None and (why := hosts.why(url)) is not None:
        job.give_up(f"the host {host_of(url)} was unreachable earlier in this run ({why}); not tried again",
                    attempts=0, last_error=f"host {host_of(url)} unreachable: {why}", unreachable_host=host_of(url))
    own_client = client is None
    http = client or httpx.Client()
    try:
        return job.from_network(http, timeout=timeout, retries=retries, backoff=backoff, hosts=hosts)
    finally:
        if own_client:
            http.close()


def _request_url(error: BaseException) -> str:
    """The URL of the request an httpx error is about (a redirect's target, when the redirect failed), or ""."""
    try:
        return str(error.request.url)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # not an httpx request error, or raised before a request was made
        return ""


def check_max_bytes(value: Any, where: str) -> int | None:
    """The option ``max_bytes`` as a positive whole number of bytes (None when not set), or a HisError naming
    ``where`` and the option: ``lots``, ``-1``, ``0`` and ``1.5`` are refused, never read as "no limit"."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise HisError(f"{where}: option max_bytes must be a whole number of bytes greater than 0, got {value!r}")
    return value


class _Retry(Exception):
    """A failure worth another attempt (connection, timeout, 5xx, 429, short body)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _GiveUp(Exception):
    """A failure another attempt will not fix (404 and other 4xx, bad URL)."""


@dataclass
class _Job:
    """One call of :func:`fetch`: what is asked for and what the cache already holds for it."""

    cfg: Settings
    source_id: str
    url: str
    ext: str
    previous_row: dict | None  # the manifest row of ``previous`` (None when nothing usable is cached)
    previous: Snapshot | None
    max_bytes: int = MAX_BYTES
    ends_at: float = float("inf")  # time.monotonic() after which the download is abandoned

    def from_cache(self, why: str, stale: bool = True) -> Snapshot:
        """The cached snapshot (origin "cache") or :class:`SourceUnavailable` saying ``why``. ``stale``: the
        current copy was asked for and could not be had (the snapshot carries ``fallback=why``); False when
        the caller chose the cache (offline)."""
        if self.previous is None:
            raise SourceUnavailable(
                f"source {self.source_id} is unavailable: {why}, and nothing is cached for {self.url}",
                source_id=self.source_id,
                url=self.url,
            )
        _log(
            f"{self.source_id}: {why}; using the cached snapshot of {self.url} ({_size(self.previous.bytes)})"
        )
        return replace(self.previous, origin="cache", changed=False, fallback=why if stale else "")

    # ------------------------------------------------------------------------------------- mirror

    def from_mirror(self, root: Path, mirror_path: str | None) -> Snapshot:
        if not mirror_path:
            return self.from_cache(f"the mirror {root} is used and the registry gives no mirror path")
        file = (root / mirror_path).resolve()
        if not file.is_relative_to(root.resolve()):
            raise HisError(
                f"source {self.source_id}: mirror path {mirror_path!r} points outside the mirror {root}"
            )
        if not file.is_file():
            return self.from_cache(f"the mirror has no copy (looked for {file})")
        stat = file.stat()
        validators = {"mirror_size": str(stat.st_size), "mirror_mtime": str(stat.st_mtime_ns)}
        if self.previous is not None and self._same_validators(validators):
            _log(
                f"{self.source_id}: {file.name} unchanged in the mirror ({_size(stat.st_size)}, not re-read)"
            )
            return replace(self.previous, origin="mirror", changed=False)
        with file.open("rb") as f:
            return self.store(iter(lambda: f.read(CHUNK), b""), stat.st_size, "mirror", validators)

    def _same_validators(self, validators: dict[str, str]) -> bool:
        return self.previous_row is not None and all(self.previous_row[k] == v for k, v in validators.items())

    # ------------------------------------------------------------------------------------ network

    def from_network(self, client: httpx.Client, *, timeout: float, retries: int, backoff: float,
                     hosts: UnreachableHosts | None = None) -> Snapshot:
        """GET with retries (``tenacity``); see :func:`fetch` for the policy."""
        attempts = 0
        deadline_hit = False

        def attempt() -> Snapshot:
            nonlocal attempts
            attempts += 1
            return self._attempt(client, timeout)

        def wait(state: tenacity.RetryCallState) -> float:
            # exponential back-off, or the server's Retry-After when longer; never more than MAX_DELAY
            retry_after = getattr(state.outcome.exception(), "retry_after", None) if state.outcome else None
            return min(max(backoff * 2 ** (state.attempt_number - 1), retry_after or 0.0), MAX_DELAY)

        def past_deadline(state: tenacity.RetryCallState) -> bool:
            nonlocal deadline_hit
            deadline_hit = time.monotonic() + state.upcoming_sleep >= self.ends_at
            return deadline_hit

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = _describe(state.outcome.exception()) if state.outcome else ""
            _log(f"{self.source_id}: attempt {state.attempt_number} failed ({error}); "
                 f"retry in {state.upcoming_sleep:.1f}s")

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(retries, 0) + 1) | past_deadline,
            wait=wait,
            retry=tenacity.retry_if_exception(_worth_retrying),
            before_sleep=before_sleep,
            sleep=lambda seconds: time.sleep(seconds),  # looked up per call: tests patch ingest.fetch.time.sleep
            reraise=True,
        )
        try:
            return retrying(attempt)
        except (_Retry, _GiveUp, httpx.HTTPError, httpx.InvalidURL) as exc:  # bad URL, unsupported scheme, ...
            failure: BaseException = exc
        last_error, retried = _describe(failure), _worth_retrying(failure)
        unreachable = ""
        if isinstance(failure, _CONNECTION_LEVEL) and hosts is not None:
            # the host that could not be reached: after a redirect, the redirect's target, not the registry's host
            failed_url = _request_url(failure) or self.url
            unreachable = host_of(failed_url)
            if hosts.mark(failed_url, last_error):
                _log(f"host {unreachable} is unreachable ({last_error}): its remaining files this run go straight "
                     "to their last snapshot, without trying")
        if retried and deadline_hit and attempts <= max(retries, 0):
            last_error += "; the overall deadline leaves no time for another attempt"
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}" + ("" if retried else ", not retried")
        self.give_up(f"download of {self.url} failed after {tries}: {last_error}", attempts=attempts,
                     last_error=last_error, unreachable_host=unreachable)

    def give_up(self, detail: str, *, attempts: int, last_error: str, unreachable_host: str = "") -> None:
        """Raise :class:`FetchError` (the previous snapshot is kept) or :class:`SourceUnavailable` (none)."""
        context = {
            "source_id": self.source_id,
            "url": self.url,
            "attempts": attempts,
            "last_error": last_error,
            "unreachable_host": unreachable_host,
        }
        if self.previous is None:
            raise SourceUnavailable(
                f"source {self.source_id} is unavailable: {detail}; nothing is cached", **context
            )
        raise FetchError(
            f"source {self.source_id}: {detail}. The previous snapshot ({self.previous.retrieved_at}, "
            f"sha256 {self.previous.sha256[:12]}...) is kept unchanged",
            previous=self.previous,
            **context,
        )

    def _attempt(self, client: httpx.Client, timeout: float) -> Snapshot:
        headers = {"User-Agent": USER_AGENT}
        if self.previous_row is not None:  # conditional request: the server may answer 304
            if self.previous_row["etag"]:
                headers["If-None-Match"] = self.previous_row["etag"]
            if self.previous_row["last_modified"]:
                headers["If-Modified-Since"] = self.previous_row["last_modified"]
        left = max(self.ends_at - time.monotonic(), 0.1)  # no single read may outlast the overall deadline
        limits = httpx.Timeout(min(timeout, left), connect=min(timeout, 10.0, left))
        with client.stream(
            "GET", self.url, headers=headers, timeout=limits, follow_redirects=True
        ) as response:
            status = response.status_code
            if status == 304 and self.previous is not None:
                _log(f"{self.source_id}: {self.url} not modified (304), {_size(self.previous.bytes)} cached")
                return replace(self.previous, origin="cache", changed=False)
            if status == 429 or status >= 500:
                raise _Retry(f"HTTP {status} {response.reason_phrase}", _retry_after(response))
            if not response.is_success:
                raise _GiveUp(f"HTTP {status} {response.reason_phrase}")
            length = response.headers.get("Content-Length", "")
            expected = int(length) if length.isdigit() else None
            if expected is not None and expected > self.max_bytes:
                raise _GiveUp(f"the server announces {expected:,} bytes, over the limit of {self.max_bytes:,} "
                              "(registry option max_bytes)")
            validators = {
                "etag": response.headers.get("ETag", ""),
                "last_modified": response.headers.get("Last-Modified", ""),
            }

            def body() -> Iterator[bytes]:
                size = 0
                for chunk in response.iter_bytes():  # as received: the deadline is checked after every read
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _GiveUp(f"the body passed the limit of {self.max_bytes:,} bytes while streaming "
                                      "(registry option max_bytes); nothing kept")
                    if time.monotonic() > self.ends_at:
                        raise _GiveUp(f"the overall deadline passed after {size:,} bytes (server too slow); "
                                      "nothing kept")
                    yield chunk
                received = response.num_bytes_downloaded  # bytes on the wire, before content decoding
                if expected is not None and received != expected:
                    raise _Retry(f"connection dropped mid-body: received {received} of {expected} bytes")

            # Progress shows "x of y" only when y (Content-Length) counts the same bytes as x.
            total = None if response.headers.get("Content-Encoding") else expected
            return self.store(body(), total, "network", validators)

    # -------------------------------------------------------------------------------------- store

    def store(self, chunks: Iterable[bytes], total: int | None, origin: str, validators: dict) -> Snapshot:
        """Stream ``chunks`` into the cache; add a manifest row when the bytes or their validators changed.

        ``total`` is the expected size, for progress only; ``validators`` are the etag/last_modified or
        mirror_size/mirror_mtime columns of the manifest row.
        """
        cfg, previous = self.cfg, self.previous
        folder = cfg.raw_dir / self.source_id
        folder.mkdir(parents=True, exist_ok=True)
        label = f"{self.source_id}: {PurePosixPath(urlparse(self.url).path).name}"
        tmp, sha256, size = _write_temp(folder, chunks, label, total)
        final = folder / f"{sha256}.{self.ext}"
        changed = previous is None or previous.sha256 != sha256
        created = False
        try:
            if final.exists() and final.stat().st_size == size:
                tmp.unlink()  # content-addressed: these bytes are already there
            else:
                os.replace(tmp, final)
                created = True
            if previous is not None and not changed and self._same_validators(validators):
                _log(f"{self.source_id}: unchanged ({_size(size)} from {origin}, sha256 {sha256[:12]}...)")
                return replace(previous, origin=origin, changed=False)
            row = dict.fromkeys(MANIFEST_COLUMNS, "") | validators
            row |= {
                "source_id": self.source_id,
                "url": self.url,
                "path": final.relative_to(cfg.raw_dir).as_posix(),
                "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "bytes": str(size),
                "sha256": sha256,
                "origin": origin,
            }
            _append_manifest(cfg, row)
        except BaseException:
            tmp.unlink(missing_ok=True)
            if created:
                final.unlink(missing_ok=True)
            raise
        state = "new" if changed else "same bytes, validators updated"
        where = final.relative_to(cfg.data_dir)
        _log(f"{self.source_id}: {self.url} -> {where} ({_size(size)} from {origin}, {state})")
        return Snapshot(self.source_id, self.url, final, sha256, size, row["retrieved_at"], origin, changed)


def _worth_retrying(exc: BaseException) -> bool:
    """True for a failure another attempt may fix: 5xx, 429, a short body, a read timeout, a dropped or reset
    connection. Not for a 4xx, a refused download, a bad URL, nor a host that cannot be connected to."""
    if isinstance(exc, _Retry):
        return True
    if isinstance(exc, _CONNECTION_LEVEL):
        return False
    return isinstance(exc, _RETRYABLE_ERRORS)


def _describe(exc: BaseException | None) -> str:
    """An error for messages: our own failures as they are, httpx's with their type."""
    if exc is None:
        return ""
    if isinstance(exc, (_Retry, _GiveUp)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


# ------------------------------------------------------------------------------------------- helpers


def _write_temp(
    folder: Path, chunks: Iterable[bytes], label: str, total: int | None
) -> tuple[Path, str, int]:
    """Write ``chunks`` to a hidden temporary file in ``folder``; (path, sha256, size). Removed on failure."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".fetch-", suffix=".part")
    tmp = Path(name)
    digest, size, reported = hashlib.sha256(), 0, 0
    big = total is None or total > BIG_FILE
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if big and size - reported >= PROGRESS_STEP:
                    reported = size
                    of = f" of {_size(total)}" if total else ""
                    _log(f"{label}: {_size(size)}{of} so far")
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, digest.hexdigest(), size


def _extension(ext: str | None, mirror_path: str | None, url: str) -> str:
    candidates = [ext, PurePosixPath(mirror_path or "").suffix, PurePosixPath(urlparse(url).path).suffix]
    for value in candidates:
        value = (value or "").lstrip(".").lower()
        if value:
            if not re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+)*", value):
                raise HisError(f"invalid file extension {value!r} for {url}")
            return value
    return "bin"


def _size(n: int | None) -> str:
    if n is None:
        return "? bytes"
    if n < 1000:
        return f"{n} bytes"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            return f"{n:.1f} {unit}"
    return f"{n} bytes"  # unreachable


def _log(message: str) -> None:
    log(f"  fetch {message}")


def clean_stale_temp(cfg: Settings) -> list[Path]:
    """Remove hidden ``.fetch-*.part`` files an interrupted run left in ``data/raw/<source>/`` (called at the
    start of every ingest: one ingest at a time per data directory). Returns what was removed."""
    removed = sorted(cfg.raw_dir.glob("*/.fetch-*.part")) if cfg.raw_dir.exists() else []
    for p in removed:
        p.unlink(missing_ok=True)
    if removed:
        _log(f"removed {len(removed)} temporary file(s) an interrupted download left behind: "
             + ", ".join(p.relative_to(cfg.raw_dir).as_posix() for p in removed))
    return removed
