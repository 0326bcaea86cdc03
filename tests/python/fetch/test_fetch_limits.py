"""Downloads are bounded (issue 15, case 6), against a real HTTP server on 127.0.0.1: an overall deadline ends
a server dripping bytes; a body over ``max_bytes`` is refused while it streams (or from its Content-Length);
nothing is kept, no temporary file is left, and stale ones from an interrupted run are cleaned at start."""

from __future__ import annotations

import time

import pytest

from ingest.fetch import FetchError, SourceUnavailable, clean_stale_temp, fetch

SOURCE = "limits_test"


def drip(n: int, every: float):
    """200 without Content-Length, one byte every ``every`` seconds, ``n`` bytes."""

    def act(h):
        h.send_response(200)
        h.end_headers()
        for _ in range(n):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(every)

    return act


def chunked_body(size: int):
    """200 without Content-Length (so the limit must hold while streaming)."""

    def act(h):
        h.send_response(200)
        h.end_headers()
        block = b"y" * 65536
        for _ in range(size // len(block)):
            h.wfile.write(block)

    return act


def test_overall_deadline_ends_a_dripping_server(origin, net_settings, tree):
    url = origin.script("/drip.csv", drip(100, 0.2))
    start = time.monotonic()
    with pytest.raises(SourceUnavailable, match="overall deadline passed"):
        fetch(net_settings, SOURCE, url, deadline=1.0, retries=0, timeout=5.0)
    assert time.monotonic() - start < 4
    assert tree(net_settings.raw_dir) == {}  # no .fetch-*.part, no manifest


def test_body_over_max_bytes_is_refused_while_streaming(origin, net_settings, tree):
    url = origin.script("/big.csv", chunked_body(4 << 20))
    with pytest.raises(SourceUnavailable, match=r"passed the limit of 1,048,576 bytes while streaming"):
        fetch(net_settings, SOURCE, url, max_bytes=1 << 20, retries=0)
    assert tree(net_settings.raw_dir) == {}


def test_content_length_over_max_bytes_is_refused_before_reading(origin, net_settings, tree):
    url = origin.script("/big.csv", origin.serve(b"z" * 2_000_000))
    with pytest.raises(SourceUnavailable, match=r"announces 2,000,000 bytes, over the limit of 1,000,000"):
        fetch(net_settings, SOURCE, url, max_bytes=1_000_000, retries=0)
    assert origin.hits["/big.csv"] == 1  # not retried
    assert tree(net_settings.raw_dir) == {}


def test_a_refused_download_keeps_the_previous_snapshot(origin, net_settings, tree):
    url = origin.script("/f.csv", origin.serve(b"a,b\n1,2\n"), chunked_body(4 << 20))
    fetch(net_settings, SOURCE, url)
    before = tree(net_settings.raw_dir)
    with pytest.raises(FetchError) as err:
        fetch(net_settings, SOURCE, url, max_bytes=1 << 20, retries=0)
    assert err.value.previous is not None and not isinstance(err.value, SourceUnavailable)
    assert tree(net_settings.raw_dir) == before


def test_stale_temp_files_are_cleaned_at_start(net_settings):
    folder = net_settings.raw_dir / SOURCE
    folder.mkdir(parents=True)
    stale = folder / ".fetch-abc123.part"
    stale.write_bytes(b"half a download")
    keep = folder / "0123.csv"
    keep.write_bytes(b"a snapshot")
    assert clean_stale_temp(net_settings) == [stale]
    assert not stale.exists() and keep.exists()


def test_a_failed_download_falls_back_loudly(origin, net_settings, tmp_path, capsys, mirror_dir):
    """Case 8: a 404 after an earlier good download: the console names the source, the snapshot's date and why."""
    import shutil

    import yaml

    from ingest.config import PROJECT_ROOT
    from ingest.sources import stage

    reception = mirror_dir / "fingertips_ncmp_obesity/obese_reception.csv"
    reg = tmp_path / "registry"
    reg.mkdir()
    shutil.copyfile(PROJECT_ROOT / "ingest/registry/_areas.yml", reg / "_areas.yml")
    entry = yaml.safe_load((PROJECT_ROOT / "ingest/registry/fingertips_ncmp_obesity.yml").read_text())
    entry["files"] = entry["files"][:1]
    entry["datasets"] = entry["datasets"][:1]
    entry["files"][0]["url"] = origin.script("/r.csv", origin.serve(reception.read_bytes()), origin.status(404))
    (reg / "fingertips_ncmp_obesity.yml").write_text(yaml.safe_dump(entry))
    stage.run(net_settings, registry=reg)
    capsys.readouterr()
    stage.run(net_settings, registry=reg)
    err = capsys.readouterr().err
    assert "fingertips_ncmp_obesity/reception: using the snapshot of 20" in err
    assert "because the download failed (HTTP 404 Not Found)" in err
