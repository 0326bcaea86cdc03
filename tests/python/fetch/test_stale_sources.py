"""Stale and missing sources are loud (issue 15, case 8), with the real NCMP files served by a real HTTP server
on 127.0.0.1 or read from a private mirror copy: when a download fails (404, or 500 after every retry) or the
mirror loses its copy and the last accepted snapshot is used, the console prints the final failure per file,
``source_status.csv`` says ``stale`` with the snapshot's date, the reason and plain words, and the lake and the
raw manifest are byte-identical. One missing file of a multi-file source is named at ingest and its dataset
still resolves for dbt; a reference dataset that cannot be stood in for is an ingest error naming its file."""

from __future__ import annotations

import dataclasses
import shutil

import polars as pl
import pytest
import yaml

from ingest.errors import HisError
from ingest.sources import stage
from ingest.sources.registry import registry_document

SOURCE = "fingertips_ncmp_obesity"
FILES = {"reception": "obese_reception.csv", "year6": "obese_year6.csv"}


def entry(source_id: str) -> dict:
    return next(e for e in registry_document()["sources"] if e["id"] == source_id)


def write_registry(tmp_path, *entries: dict):
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump({"sources": list(entries)}), encoding="utf-8")
    return path


def accepted(cfg) -> dict[str, bytes]:
    """The accepted lake (Parquet and manifest) and the raw manifest, byte for byte."""
    files = {p.relative_to(cfg.data_dir).as_posix(): p.read_bytes() for p in sorted(cfg.lake_dir.rglob("*"))
             if p.is_file() and p.name not in ("source_status.csv", "dataset_status.csv")}
    return files | {"raw/manifest.csv": (cfg.raw_dir / "manifest.csv").read_bytes()}


@pytest.fixture()
def served(origin, mirror_dir, tmp_path):
    """The NCMP entry pointed at the local server, which serves the real mirror files."""
    e = entry(SOURCE)
    for f in e["files"]:
        body = (mirror_dir / SOURCE / FILES[f["id"]]).read_bytes()
        f["url"] = origin.script(f"/{f['id']}.csv", origin.serve(body))
        f.pop("mirror_path")
    return write_registry(tmp_path, e)


def test_404_and_500_after_retries_make_the_source_stale_and_print_the_final_failure(
        origin, net_settings, served, monkeypatch, capsys):
    monkeypatch.setattr("ingest.fetch.time.sleep", lambda s: None)  # the back-off waits, not the retries
    stage.run(net_settings, sources=[SOURCE], registry=served)
    assert stage.read_source_status(net_settings)[SOURCE]["status"] == "available"
    before = accepted(net_settings)
    capsys.readouterr()

    origin.script("/year6.csv", origin.status(404))
    origin.script("/reception.csv", origin.status(500))
    stage.run(net_settings, sources=[SOURCE], registry=served)

    err = capsys.readouterr().err
    assert origin.hits["/year6.csv"] == 2 and origin.hits["/reception.csv"] == 5  # 404 not retried; 1 + 3 retries
    day = stage.read_lake_manifest(net_settings)["ncmp_obesity_year6"]["parsed_at"][:10]
    assert (f"{SOURCE}/year6: using the snapshot of {day} because the download failed "
            "(HTTP 404 Not Found)") in err
    assert (f"{SOURCE}/reception: using the snapshot of {day} because the download failed "
            "(HTTP 500 Internal Server Error)") in err
    status = stage.read_source_status(net_settings)[SOURCE]
    assert status["status"] == "stale"
    assert status["snapshot_at"][:10] == day
    assert "year6: using the snapshot of" in status["reason"] and "reception: using the snapshot of" in status["reason"]
    assert status["plain_reason"] == ("the download from the publisher failed (HTTP 404 Not Found); "
                                      "the download from the publisher failed (HTTP 500 Internal Server Error)")
    assert "/" not in status["plain_reason"].replace("HTTP 404 Not Found", "")  # no paths or URLs
    assert accepted(net_settings) == before  # nothing lost, nothing rewritten


def test_a_mirror_that_lost_one_file_makes_the_source_stale(tmp_path, mirror_dir, tmp_settings, capsys):
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / SOURCE, mirror / SOURCE)
    cfg = dataclasses.replace(tmp_settings, mirror=mirror)
    stage.run(cfg, sources=[SOURCE])
    before = accepted(cfg)
    (mirror / SOURCE / "obese_year6.csv").unlink()
    capsys.readouterr()
    stage.run(cfg, sources=[SOURCE])
    err = capsys.readouterr().err
    assert f"{SOURCE}/year6: using the snapshot of " in err and "because the mirror has no copy" in err
    status = stage.read_source_status(cfg)[SOURCE]
    assert (status["status"], status["plain_reason"]) == ("stale", "the offline copy of the publisher's file is missing")
    assert accepted(cfg) == before


def test_one_missing_file_of_a_multi_file_source_is_named_and_its_dataset_still_resolves(
        tmp_path, mirror_dir, tmp_settings, capsys):
    """Cold data directory, the mirror without the Year 6 file: ingest names it, the reception dataset is
    written, and the Year 6 dataset gets an empty canonical file so dbt's source resolves (no "No files found
    ... .parquet" later in dbt)."""
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / SOURCE, mirror / SOURCE)
    (mirror / SOURCE / "obese_year6.csv").unlink()
    cfg = dataclasses.replace(tmp_settings, mirror=mirror)
    stage.run(cfg, sources=[SOURCE])
    err = capsys.readouterr().err
    assert f"{SOURCE}/year6: MISSING" in err and "obese_year6.csv" in err
    assert f"{SOURCE}: 1 written (ncmp_obesity_reception 374 rows), 0 unchanged, 1 of 2 files missing (year6)" in err
    y6 = pl.read_parquet(cfg.lake_dir / SOURCE / "ncmp_obesity_year6.parquet")
    assert y6.height == 0 and "value" in y6.columns
    assert stage.read_dataset_status(cfg)["ncmp_obesity_year6"]["status"] == "unavailable"


def test_a_reference_dataset_with_nothing_to_stand_in_is_an_ingest_error_naming_its_file(tmp_path, tmp_settings):
    e = entry("ons_mid_year_population") | {"required": False}
    for f in e["files"]:
        f["mirror_path"] = "nowhere/" + f["mirror_path"].split("/")[-1]
    reg = write_registry(tmp_path, e)
    with pytest.raises(HisError, match=r"reference dataset mid_year_population has no accepted lake file and its "
                                       r"file\(s\) mid2020 \(nowhere/.*\) could not be had"):
        stage.run(tmp_settings, sources=["ons_mid_year_population"], registry=reg)
