"""A CSV cut inside its last value, with a newline added, is an error naming file and line (issue 15, case 1,
the form the field-count check cannot see). From copies of the real ONS SDG 3.9.1 file (made in tmp), whose
last field is the value: ``...,E92000001,5.5`` cut to ``...,E92000001,5``. Ingest fails for the source, nothing
is staged or written, the cut snapshot is marked rejected (never a fallback), and the raw manifest's accepted
rows are byte-identical; a real revision of the same value is still read."""

from __future__ import annotations

import shutil

import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.fetch import latest_snapshot
from ingest.sources import stage
from ingest.sources.conform import check_cut_last_value
from ingest.sources.lake import rejected_snapshots

SOURCE = "ons_sdg_air_pollution_mortality"
FILE = "ons_sdg_air_pollution_mortality/indicator_3-9-1.csv"
URL = "https://raw.githubusercontent.com/ONSdigital/sdg-data/develop/data/indicator_3-9-1.csv"


def lake_bytes(cfg) -> dict[str, bytes]:
    return {p.relative_to(cfg.lake_dir).as_posix(): p.read_bytes() for p in sorted(cfg.lake_dir.rglob("*"))
            if p.is_file() and p.name not in ("source_status.csv", "dataset_status.csv", "state.json")}


def test_the_previous_snapshot_cut_inside_its_last_value_is_an_error(tmp_path, mirror_dir):
    good = (mirror_dir / FILE).read_bytes()
    assert good.endswith(b",E92000001,5.5\r\n")
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / SOURCE, mirror / SOURCE)
    (mirror / FILE).chmod(0o644)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    stage.run(cfg, sources=[SOURCE])
    lake_before, raw_before = lake_bytes(cfg), (cfg.raw_dir / "manifest.csv").read_bytes()
    line = good.count(b"\n")

    (mirror / FILE).write_bytes(good[:-4] + b"\n")  # "5.5\r\n" -> "5\n"
    with pytest.raises(HisError, match=rf"file {FILE} \(snapshot .*\): line {line} \(the last\) ends with '5' where "
                                       r"the previous accepted snapshot of this file has '5.5' on the same line"):
        stage.run(cfg, sources=[SOURCE])
    assert lake_bytes(cfg) == lake_before
    assert (cfg.raw_dir / "manifest.csv").read_bytes().startswith(raw_before)
    assert stage.read_source_status(cfg)[SOURCE]["status"] == "error"
    cut_sha = latest_snapshot(cfg, SOURCE, URL)
    assert cut_sha is not None and cut_sha.path.read_bytes() == good  # the fallback is the good snapshot
    assert len([s for s in rejected_snapshots(cfg) if s[0] == SOURCE]) == 1


def test_a_revision_the_publishers_digits_allow_is_not_an_error(mirror_dir):
    """The same byte shape, but in a column the publisher also writes without decimals: not flagged."""
    good = (mirror_dir / FILE).read_bytes()
    lines = good.split(b"\n")
    assert lines[1].endswith(b",E92000001,\r")  # its Value is empty
    lines[1] = lines[1].rstrip(b"\r") + b"7\r"  # empty Value -> 7: the column now has a 0-decimal value
    allowed = b"\n".join(lines)
    check_cut_last_value("x", allowed[:-4] + b"\n", allowed)  # no error
    with pytest.raises(HisError, match="line"):
        check_cut_last_value("x", good[:-4] + b"\n", good)
    check_cut_last_value("x", good[:-2] + b"\n", good)  # only the line ending changed: not a cut value
