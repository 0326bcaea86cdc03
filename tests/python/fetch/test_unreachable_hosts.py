"""A publisher that cannot be reached fails fast (issue 26, finding 7), against real sockets on 127.0.0.1 and a
name that never resolves (``.invalid``, RFC 2606): a connection-level failure (refused, name resolution) is not
retried and marks the host unreachable for the run; the host's remaining files go straight to their last
snapshot without a connection attempt, and one line per host says so. What another attempt can fix (5xx with
Retry-After, a read timeout) is still retried."""

from __future__ import annotations

import socket
import time

import pytest
import yaml

from ingest.fetch import FetchError, SourceUnavailable, UnreachableHosts, fetch, host_of
from ingest.sources import stage
from ingest.sources.registry import registry_document

SOURCE = "fingertips_ncmp_obesity"
FILES = {"reception": "obese_reception.csv", "year6": "obese_year6.csv"}
FAST = {"timeout": 2.0, "backoff": 0.01}


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released): connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refused_connection_is_not_retried_and_marks_the_host(net_settings, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("ingest.fetch.time.sleep", waits.append)
    hosts = UnreachableHosts()
    url = f"http://127.0.0.1:{closed_port()}/a.csv"

    with pytest.raises(SourceUnavailable) as err:
        fetch(net_settings, SOURCE, url, retries=3, hosts=hosts, **FAST)

    assert err.value.attempts == 1 and waits == []  # no retry, no back-off
    assert "not retried" in str(err.value) and "ConnectError" in err.value.last_error
    assert err.value.unreachable_host == host_of(url)
    assert list(hosts.hosts) == [host_of(url)]


def test_a_name_that_does_not_resolve_marks_the_host(net_settings, monkeypatch):
    monkeypatch.setattr("ingest.fetch.time.sleep", lambda s: pytest.fail("a DNS failure was retried"))
    hosts = UnreachableHosts()
    start = time.monotonic()
    with pytest.raises(SourceUnavailable) as err:
        fetch(net_settings, SOURCE, "https://publisher.invalid/data.csv", retries=3, hosts=hosts, **FAST)
    assert err.value.attempts == 1 and "ConnectError" in err.value.last_error
    assert hosts.why("https://publisher.invalid/other.csv") == err.value.last_error
    assert time.monotonic() - start < 5


def test_a_host_marked_unreachable_is_not_tried_again_and_its_snapshot_stands_in(net_settings, origin, mirror_dir):
    body = (mirror_dir / SOURCE / FILES["reception"]).read_bytes()
    url = origin.script("/r.csv", origin.serve(body))
    good = fetch(net_settings, SOURCE, url, **FAST)
    hosts = UnreachableHosts()
    hosts.mark(origin.url("/other.csv"), "ConnectError: [Errno 111] Connection refused")

    with pytest.raises(FetchError) as err:
        fetch(net_settings, SOURCE, url, hosts=hosts, **FAST)

    assert origin.hits["/r.csv"] == 1  # only the first, good fetch: no connection for the marked host
    assert err.value.attempts == 0 and err.value.previous.sha256 == good.sha256
    assert err.value.unreachable_host == host_of(url) and "unreachable earlier in this run" in str(err.value)


def test_retry_after_is_honoured_for_a_503(net_settings, origin, mirror_dir, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("ingest.fetch.time.sleep", waits.append)
    body = (mirror_dir / SOURCE / FILES["reception"]).read_bytes()
    url = origin.script("/r.csv", origin.status(503, {"Retry-After": "7"}), origin.status(500), origin.serve(body))

    snap = fetch(net_settings, SOURCE, url, retries=3, hosts=UnreachableHosts(), **FAST)

    assert snap.path.read_bytes() == body and origin.hits["/r.csv"] == 3
    assert waits == [7.0, 0.02]  # the server's Retry-After, then the exponential back-off (0.01 * 2)


def test_an_unreachable_publisher_costs_one_attempt_per_host_and_its_sources_go_stale(
        origin, net_settings, mirror_dir, tmp_path, capsys, monkeypatch):
    """Three sources on one host, each with an accepted snapshot; the host goes away (its port is closed):
    one connection attempt in all, one line naming the host, every file on its last snapshot, lake unchanged."""
    monkeypatch.setattr("ingest.fetch.time.sleep", lambda s: pytest.fail("an unreachable host was retried"))
    entries = []
    base = next(e for e in registry_document()["sources"] if e["id"] == SOURCE)
    for i in range(3):  # the same NCMP entry three times under three ids (one host, six files)
        e = yaml.safe_load(yaml.safe_dump(base))
        e["id"] = f"{SOURCE}_{i}"
        for f in e["files"]:
            f["url"] = origin.script(f"/{i}/{f['id']}.csv",
                                     origin.serve((mirror_dir / SOURCE / FILES[f["id"]]).read_bytes()))
            f.pop("mirror_path")
        for d in e["datasets"]:
            d["id"] = f"{d['id']}_{i}"
            for ind in d.get("indicators") or []:
                ind["id"] = f"{ind['id']}_{i}"
        entries.append(e)
    registry = tmp_path / "registry.yml"
    registry.write_text(yaml.safe_dump({"sources": entries}), encoding="utf-8")
    stage.run(net_settings, registry=registry)
    lake = {p: p.read_bytes() for p in sorted(net_settings.lake_dir.rglob("*.parquet"))}
    manifest = (net_settings.lake_dir / "manifest.csv").read_bytes()
    capsys.readouterr()

    origin.server.shutdown()  # the publisher goes away: its port now refuses connections
    origin.server.server_close()
    start = time.monotonic()
    stage.run(net_settings, registry=registry)
    seconds = time.monotonic() - start

    err = capsys.readouterr().err
    host = host_of(entries[0]["files"][0]["url"])
    assert err.count(f"host {host} is unreachable") == 1
    assert err.count("using the snapshot of") == 1  # the file that found out; the other five are not tried
    statuses = stage.read_source_status(net_settings)
    for e in entries:
        assert statuses[e["id"]]["status"] == "stale"
        assert statuses[e["id"]]["plain_reason"] == ("the download from the publisher failed (the publisher's "
                                                     "site could not be reached)")
    assert {p: p.read_bytes() for p in sorted(net_settings.lake_dir.rglob("*.parquet"))} == lake
    assert (net_settings.lake_dir / "manifest.csv").read_bytes() == manifest
    assert seconds < 10


def test_a_redirect_to_an_unreachable_host_marks_that_host_not_the_publisher(net_settings, origin, monkeypatch):
    """The registry's host answers with a redirect to a host that refuses connections: the redirect's target is
    marked unreachable, and the registry's host, which answered, stays available for its other files."""
    monkeypatch.setattr("ingest.fetch.time.sleep", lambda s: pytest.fail("a refused connection was retried"))
    target = f"http://127.0.0.1:{closed_port()}/moved.csv"
    url = origin.script("/r.csv", origin.status(302, {"Location": target}))
    hosts = UnreachableHosts()

    with pytest.raises(SourceUnavailable) as err:
        fetch(net_settings, SOURCE, url, retries=3, hosts=hosts, **FAST)

    assert origin.hits["/r.csv"] == 1 and err.value.attempts == 1
    assert err.value.unreachable_host == host_of(target) != host_of(url)
    assert list(hosts.hosts) == [host_of(target)]
    assert hosts.why(origin.url("/other.csv")) is None
