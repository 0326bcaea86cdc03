"""The fetch layer against a real HTTP server on 127.0.0.1 serving real files from the shared mirror.

After every failure the previous good snapshot, the manifest and a lake file stand byte-for-byte unchanged
(the whole data directory is compared), and no temporary file is left behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path

import httpx
import pytest

from ingest.config import Settings
from ingest.fetch import (
    MANIFEST_COLUMNS,
    FetchError,
    SourceUnavailable,
    fetch,
    latest_snapshot,
    manifest_path,
    read_manifest,
)

SOURCE = "fingertips_ncmp_obesity"
RECEPTION = "fingertips_ncmp_obesity/obese_reception.csv"
YEAR6 = "fingertips_ncmp_obesity/obese_year6.csv"
FAST = {"timeout": 2.0, "backoff": 0.01}


@pytest.fixture()
def reception(mirror_dir: Path) -> bytes:
    return (mirror_dir / RECEPTION).read_bytes()


def with_lake_file(cfg: Settings) -> Path:
    """A file standing for the lake, to prove a failed fetch leaves it alone."""
    lake_file = cfg.lake_dir / SOURCE / "ncmp_obesity_reception.parquet"
    lake_file.parent.mkdir(parents=True, exist_ok=True)
    lake_file.write_bytes(b"stands for a parquet file written by an earlier build\n")
    return lake_file


def good_snapshot(cfg: Settings, origin, path: str, body: bytes):
    """Fetch ``path`` once successfully (the previous good snapshot for the failure tests)."""
    url = origin.script(path, origin.serve(body))
    snap = fetch(cfg, SOURCE, url, **FAST)
    assert snap.changed and snap.origin == "network"
    with_lake_file(cfg)
    return url, snap


def test_success_stores_the_exact_bytes_and_a_manifest_row(net_settings, origin, reception):
    url = origin.script("/obese_reception.csv", origin.serve(reception))

    snap = fetch(net_settings, SOURCE, url, **FAST)

    expected_sha = hashlib.sha256(reception).hexdigest()
    assert snap.sha256 == expected_sha
    assert snap.bytes == len(reception)
    assert snap.path == net_settings.raw_dir / SOURCE / f"{expected_sha}.csv"
    assert snap.path.read_bytes() == reception
    assert (snap.origin, snap.changed) == ("network", True)
    assert origin.hits["/obese_reception.csv"] == 1
    user_agent = origin.requests[0][1]["User-Agent"]
    assert user_agent.startswith("london-his-warehouse/")

    rows = read_manifest(net_settings)
    assert len(rows) == 1
    assert list(rows[0]) == MANIFEST_COLUMNS
    assert rows[0]["source_id"] == SOURCE and rows[0]["url"] == url
    assert rows[0]["path"] == f"{SOURCE}/{expected_sha}.csv"
    assert rows[0]["bytes"] == str(len(reception)) and rows[0]["sha256"] == expected_sha
    assert rows[0]["origin"] == "network" and rows[0]["retrieved_at"].endswith("+00:00")
    assert latest_snapshot(net_settings, SOURCE, url) == dataclasses.replace(snap, changed=False)
    assert [p.name for p in snap.path.parent.iterdir()] == [snap.path.name]  # no temporary file left


def test_gzip_transfer_encoding_stores_the_decoded_file(net_settings, origin, reception):
    # Content-Length counts the compressed bytes on the wire; the file kept is the published one.
    url = origin.script("/r.csv", origin.serve(reception, gzip_it=True))
    snap = fetch(net_settings, SOURCE, url, **FAST)
    assert snap.sha256 == hashlib.sha256(reception).hexdigest() and snap.bytes == len(reception)


def test_big_downloads_report_bytes_so_far_on_stderr(net_settings, origin, reception, monkeypatch, capfd):
    import ingest.fetch as fetch_module

    monkeypatch.setattr(fetch_module, "BIG_FILE", 100_000)
    monkeypatch.setattr(fetch_module, "PROGRESS_STEP", 100_000)
    url = origin.script("/r.csv", origin.serve(reception))
    fetch(net_settings, SOURCE, url, **FAST)
    out, err = capfd.readouterr()
    assert out == ""
    assert 2 <= err.count("so far") <= len(reception) // 100_000  # about one line per 100 kB
    assert f"kB of {len(reception) / 1000:.1f} kB so far" in err
    assert err.strip().splitlines()[-1].endswith("from network, new)")


def test_second_fetch_is_a_conditional_request_answered_304(net_settings, origin, reception, tree):
    etag = '"' + hashlib.sha256(reception).hexdigest()[:16] + '"'
    modified = "Wed, 30 Apr 2026 10:00:00 GMT"
    url = origin.script("/r.csv", origin.serve(reception, etag=etag, last_modified=modified))
    first = fetch(net_settings, SOURCE, url, **FAST)
    assert read_manifest(net_settings)[0]["etag"] == etag
    before = tree(net_settings.data_dir)

    second = fetch(net_settings, SOURCE, url, **FAST)

    headers = origin.requests[-1][1]
    assert headers["If-None-Match"] == etag and headers["If-Modified-Since"] == modified
    assert (second.origin, second.changed) == ("cache", False)
    assert (second.path, second.sha256, second.retrieved_at) == (first.path, first.sha256, first.retrieved_at)
    assert tree(net_settings.data_dir) == before  # no new file, manifest untouched


def test_unchanged_bytes_without_validators_make_no_new_file(net_settings, origin, reception, tree):
    url = origin.script("/r.csv", origin.serve(reception))
    first = fetch(net_settings, SOURCE, url, **FAST)
    before = tree(net_settings.data_dir)

    second = fetch(net_settings, SOURCE, url, **FAST)

    assert origin.hits["/r.csv"] == 2  # downloaded again: the server gave no ETag/Last-Modified
    assert (second.origin, second.changed, second.path) == ("network", False, first.path)
    assert tree(net_settings.data_dir) == before


def test_new_bytes_make_a_new_snapshot_beside_the_old(net_settings, origin, reception, mirror_dir):
    year6 = (mirror_dir / YEAR6).read_bytes()
    url = origin.script("/data.csv", origin.serve(reception), origin.serve(year6))
    first = fetch(net_settings, SOURCE, url, **FAST)

    second = fetch(net_settings, SOURCE, url, **FAST)

    assert second.changed and second.sha256 == hashlib.sha256(year6).hexdigest()
    assert first.path.read_bytes() == reception and second.path.read_bytes() == year6
    assert [r["sha256"] for r in read_manifest(net_settings)] == [first.sha256, second.sha256]
    assert latest_snapshot(net_settings, SOURCE, url).sha256 == second.sha256


def test_404_is_not_retried_and_changes_nothing(net_settings, origin, reception, tree):
    url, good = good_snapshot(net_settings, origin, "/r.csv", reception)
    before = tree(net_settings.data_dir)
    origin.script("/r.csv", origin.status(404))

    with pytest.raises(FetchError) as err:
        fetch(net_settings, SOURCE, url, retries=3, **FAST)

    assert not isinstance(err.value, SourceUnavailable)
    assert origin.hits["/r.csv"] == 2  # the good fetch + one 404, no retry
    message = str(err.value)
    assert SOURCE in message and url in message and "404" in message and "not retried" in message
    assert err.value.attempts == 1 and err.value.previous == dataclasses.replace(good, changed=False)
    assert tree(net_settings.data_dir) == before


def test_404_with_nothing_cached_is_source_unavailable(net_settings, origin):
    url = origin.url("/gone.csv")  # unscripted paths answer 404
    with pytest.raises(
        SourceUnavailable, match=rf"source {SOURCE} is unavailable: download of .*gone.csv.*404"
    ):
        fetch(net_settings, SOURCE, url, **FAST)
    assert origin.hits["/gone.csv"] == 1
    assert not manifest_path(net_settings).exists()


def test_500_then_success_on_retry(net_settings, origin, reception):
    url = origin.script("/r.csv", origin.status(500), origin.status(503), origin.serve(reception))

    snap = fetch(net_settings, SOURCE, url, retries=3, **FAST)

    assert origin.hits["/r.csv"] == 3
    assert snap.sha256 == hashlib.sha256(reception).hexdigest() and snap.path.read_bytes() == reception
    assert len(read_manifest(net_settings)) == 1


def test_429_is_retried(net_settings, origin, reception):
    url = origin.script("/r.csv", origin.status(429, {"Retry-After": "0"}), origin.serve(reception))
    assert fetch(net_settings, SOURCE, url, **FAST).path.read_bytes() == reception
    assert origin.hits["/r.csv"] == 2


def test_500_every_time_gives_up_after_the_retries_and_changes_nothing(net_settings, origin, reception, tree):
    url, _ = good_snapshot(net_settings, origin, "/r.csv", reception)
    before = tree(net_settings.data_dir)
    origin.script("/r.csv", origin.status(500))

    with pytest.raises(FetchError, match=r"after 3 attempts: HTTP 500") as err:
        fetch(net_settings, SOURCE, url, retries=2, **FAST)

    assert origin.hits["/r.csv"] == 1 + 3
    assert err.value.attempts == 3 and err.value.last_error == "HTTP 500 Internal Server Error"
    assert tree(net_settings.data_dir) == before


def test_connection_dropped_mid_body_is_a_failure_not_a_file(
    net_settings, origin, reception, mirror_dir, tree
):
    url, _ = good_snapshot(net_settings, origin, "/r.csv", reception)
    before = tree(net_settings.data_dir)
    year6 = (mirror_dir / YEAR6).read_bytes()  # new bytes on the server, but the connection drops
    origin.script("/r.csv", origin.drop(year6))

    with pytest.raises(FetchError) as err:
        fetch(net_settings, SOURCE, url, retries=1, **FAST)

    assert origin.hits["/r.csv"] == 1 + 2
    assert "RemoteProtocolError" in err.value.last_error or "dropped mid-body" in err.value.last_error
    assert tree(net_settings.data_dir) == before  # no partial file, no temporary file, same manifest


def test_connection_dropped_then_success_on_retry(net_settings, origin, reception):
    url = origin.script("/r.csv", origin.drop(reception), origin.serve(reception))
    snap = fetch(net_settings, SOURCE, url, retries=2, **FAST)
    assert origin.hits["/r.csv"] == 2 and snap.path.read_bytes() == reception


def test_timeout_is_a_failure_and_changes_nothing(net_settings, origin, reception, tree):
    url, _ = good_snapshot(net_settings, origin, "/r.csv", reception)
    before = tree(net_settings.data_dir)
    origin.script("/r.csv", origin.stall())  # sends nothing until the test ends

    with pytest.raises(FetchError) as err:
        fetch(net_settings, SOURCE, url, timeout=0.2, retries=1, backoff=0.01)

    assert origin.hits["/r.csv"] == 1 + 2
    assert "ReadTimeout" in err.value.last_error
    assert tree(net_settings.data_dir) == before


def test_a_client_passed_in_is_used_and_left_open(net_settings, origin, reception):
    url = origin.script("/r.csv", origin.serve(reception))
    with httpx.Client() as client:
        fetch(net_settings, SOURCE, url, client=client, **FAST)
        assert not client.is_closed


def test_mirror_mode_reads_the_mirror_not_the_network(tmp_settings, origin, mirror_dir, reception, tree):
    url = origin.script("/r.csv", origin.status(500))

    snap = fetch(tmp_settings, SOURCE, url, mirror_path=RECEPTION)

    assert origin.hits["/r.csv"] == 0
    assert (snap.origin, snap.changed) == ("mirror", True)
    assert snap.sha256 == hashlib.sha256(reception).hexdigest() and snap.path.read_bytes() == reception
    row = read_manifest(tmp_settings)[0]
    stat = (mirror_dir / RECEPTION).stat()
    assert (row["origin"], row["mirror_size"], row["mirror_mtime"]) == (
        "mirror",
        str(stat.st_size),
        str(stat.st_mtime_ns),
    )
    before = tree(tmp_settings.data_dir)

    again = fetch(tmp_settings, SOURCE, url, mirror_path=RECEPTION)

    assert (again.origin, again.changed, again.path) == ("mirror", False, snap.path)
    assert tree(tmp_settings.data_dir) == before


def test_mirror_file_is_rehashed_only_when_size_or_mtime_change(tmp_settings, tmp_path, mirror_dir):
    private = tmp_path / "mirror"
    (private / SOURCE).mkdir(parents=True)
    copy = private / RECEPTION
    shutil.copyfile(mirror_dir / RECEPTION, copy)
    cfg = dataclasses.replace(tmp_settings, mirror=private)
    url = "http://127.0.0.1:9/never-contacted.csv"
    first = fetch(cfg, SOURCE, url, mirror_path=RECEPTION)

    # Same size and mtime: trusted without reading (bytes flipped behind its back go unnoticed, by design).
    stat = copy.stat()
    data = bytearray(copy.read_bytes())
    data[-2] ^= 1
    copy.write_bytes(bytes(data))
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert fetch(cfg, SOURCE, url, mirror_path=RECEPTION).sha256 == first.sha256

    # Touched with identical bytes: re-hashed, no new file, the new mtime recorded.
    shutil.copyfile(mirror_dir / RECEPTION, copy)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched = fetch(cfg, SOURCE, url, mirror_path=RECEPTION)
    assert (touched.changed, touched.path) == (False, first.path)
    assert read_manifest(cfg)[-1]["mirror_mtime"] == str(stat.st_mtime_ns + 10**9)
    assert len(list((cfg.raw_dir / SOURCE).iterdir())) == 1

    # New bytes: a new snapshot.
    copy.write_bytes((mirror_dir / YEAR6).read_bytes())
    changed = fetch(cfg, SOURCE, url, mirror_path=RECEPTION)
    assert changed.changed and changed.path.read_bytes() == (mirror_dir / YEAR6).read_bytes()


def test_mirror_without_the_file_is_unavailable_unless_cached(tmp_settings, mirror_dir, tree):
    url = (
        "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=90319&area_type_id=101"
    )
    missing = "fingertips_ncmp_obesity/not_in_the_mirror.csv"
    with pytest.raises(SourceUnavailable) as err:
        fetch(tmp_settings, SOURCE, url, mirror_path=missing)
    message = str(err.value)
    assert SOURCE in message and url in message and str(mirror_dir / missing) in message

    # With a snapshot of that url already cached, the cached one is used.
    cached = fetch(tmp_settings, SOURCE, url, mirror_path=RECEPTION)
    with_lake_file(tmp_settings)
    before = tree(tmp_settings.data_dir)
    snap = fetch(tmp_settings, SOURCE, url, mirror_path=missing)
    assert (snap.origin, snap.changed, snap.path) == ("cache", False, cached.path)
    assert tree(tmp_settings.data_dir) == before


def test_offline_with_nothing_cached_is_unavailable(net_settings, origin):
    url = origin.script("/r.csv", origin.status(500))
    with pytest.raises(SourceUnavailable, match=rf"source {SOURCE} is unavailable: offline.*{url}"):
        fetch(net_settings, SOURCE, url, offline=True)
    assert origin.hits["/r.csv"] == 0
    assert not net_settings.raw_dir.exists()


def test_offline_uses_the_cached_snapshot(net_settings, origin, reception, tree):
    url, good = good_snapshot(net_settings, origin, "/r.csv", reception)
    before = tree(net_settings.data_dir)
    snap = fetch(net_settings, SOURCE, url, offline=True)
    assert origin.hits["/r.csv"] == 1
    assert (snap.origin, snap.changed, snap.path) == ("cache", False, good.path)
    assert tree(net_settings.data_dir) == before


def test_a_deleted_snapshot_file_is_not_trusted(net_settings, origin, reception):
    url, good = good_snapshot(net_settings, origin, "/r.csv", reception)
    good.path.unlink()
    assert latest_snapshot(net_settings, SOURCE, url) is None
    with pytest.raises(SourceUnavailable):
        fetch(net_settings, SOURCE, url, offline=True)
