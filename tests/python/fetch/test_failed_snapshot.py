"""A snapshot that failed at ingest (issue 26, minor finding) is never the offline fallback nor the "unchanged"
reference: new bytes that do not parse are listed in ``data/raw/rejected.csv`` at once, like those gate 1
rejects. Against a real HTTP server on 127.0.0.1 serving the real NCMP files, then a header-only copy."""

from __future__ import annotations

import pytest
import yaml

from ingest.errors import HisError
from ingest.fetch import latest_snapshot
from ingest.sources import lake, stage
from ingest.sources.registry import registry_document

NCMP = "fingertips_ncmp_obesity"
FILES = {"reception": "obese_reception.csv", "year6": "obese_year6.csv"}


def ncmp_entry() -> dict:
    return next(e for e in registry_document()["sources"] if e["id"] == NCMP)


def write_registry(tmp_path, entry: dict):
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return path


def test_a_snapshot_that_failed_to_parse_is_never_the_offline_fallback(origin, net_settings, mirror_dir,
                                                                       tmp_path):
    entry = ncmp_entry()
    bodies = {fid: (mirror_dir / NCMP / name).read_bytes() for fid, name in FILES.items()}
    for f in entry["files"]:
        f["url"] = origin.script(f"/{f['id']}.csv", origin.serve(bodies[f["id"]]))
        f.pop("mirror_path")
    registry = write_registry(tmp_path, entry)
    stage.run(net_settings, registry=registry)
    good = latest_snapshot(net_settings, NCMP, entry["files"][1]["url"]).sha256
    accepted = (net_settings.lake_dir / "manifest.csv").read_bytes()

    header_only = bodies["year6"].split(b"\n", 1)[0] + b"\n"  # new bytes that do not parse: no data rows
    origin.script("/year6.csv", origin.serve(header_only))
    with pytest.raises(HisError, match="the file has a header but no data rows"):
        stage.run(net_settings, registry=registry)
    rejected = {sha for src, sha in lake.rejected_snapshots(net_settings) if src == NCMP}
    assert len(rejected) == 1 and good not in rejected

    # offline, the fallback is the snapshot that was accepted, not the one that failed
    assert latest_snapshot(net_settings, NCMP, entry["files"][1]["url"]).sha256 == good
    stage.run(net_settings, registry=registry, offline=True)
    assert stage.read_source_status(net_settings)[NCMP]["status"] == "available"
    assert (net_settings.lake_dir / "manifest.csv").read_bytes() == accepted
