"""A real HTTP server on 127.0.0.1 (random free port) whose answers each test scripts per path.

Every request is counted and its headers kept, so tests can assert how many attempts the fetch
layer made and what it sent. Actions: ``serve`` (200 with a body, honouring If-None-Match),
``status`` (an error code), ``drop`` (Content-Length larger than what is sent, then the connection
closes) and ``stall`` (sends nothing until the test ends, so the client's read timeout fires).
"""

from __future__ import annotations

import dataclasses
import gzip
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.config import Settings

Action = Callable[[BaseHTTPRequestHandler], None]


class Origin:
    """The scripted server. ``script(path, *actions)``: each hit takes the next action, the last repeats."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Action]] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.released = threading.Event()
        self._lock = threading.Lock()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with origin._lock:
                    origin.hits[self.path] += 1
                    origin.requests.append((self.path, dict(self.headers)))
                    script = origin.scripts.get(self.path) or [Origin.status(404)]
                    action = script.pop(0) if len(script) > 1 else script[0]
                try:
                    action(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @staticmethod
    def serve(
        body: bytes, etag: str | None = None, last_modified: str | None = None, gzip_it: bool = False
    ) -> Action:
        """200 with ``body`` (gzip-encoded on the wire if asked), or 304 when If-None-Match matches."""
        wire = gzip.compress(body) if gzip_it else body

        def act(h: BaseHTTPRequestHandler) -> None:
            if etag and h.headers.get("If-None-Match") == etag:
                h.send_response(304)
                h.send_header("ETag", etag)
                h.end_headers()
                return
            h.send_response(200)
            h.send_header("Content-Type", "text/csv")
            h.send_header("Content-Length", str(len(wire)))
            if gzip_it:
                h.send_header("Content-Encoding", "gzip")
            if etag:
                h.send_header("ETag", etag)
            if last_modified:
                h.send_header("Last-Modified", last_modified)
            h.end_headers()
            h.wfile.write(wire)

        return act

    @staticmethod
    def status(code: int, headers: dict[str, str] | None = None) -> Action:
        def act(h: BaseHTTPRequestHandler) -> None:
            payload = f"error {code}\n".encode()
            h.send_response(code)
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)

        return act

    @staticmethod
    def drop(body: bytes) -> Action:
        """Promise the whole body in Content-Length, send half of it, close the connection."""

        def act(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True

        return act

    def stall(self) -> Action:
        def act(h: BaseHTTPRequestHandler) -> None:
            self.released.wait(10)

        return act

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def script(self, path: str, *actions: Action) -> str:
        with self._lock:
            self.scripts[path] = list(actions)
        return self.url(path)


@pytest.fixture()
def origin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Origin]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = Origin()
    server.thread.start()
    yield server
    server.released.set()
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture()
def net_settings(tmp_settings: Settings) -> Settings:
    """Private data directory and no mirror, so fetch goes to the (local) network."""
    return dataclasses.replace(tmp_settings, mirror=None)


@pytest.fixture()
def tree() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a folder with its bytes: two equal trees are byte-for-byte identical."""

    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
        }

    return files
