"""An unknown borough code in a publisher's file is named, not dropped silently (issue 15, case 9). From a copy
of the real NCMP Year 6 file (made in tmp) in which Westminster's 2024/25 row says E09000099: ingest prints a
warning naming source, file, the code and its rows; gate 1 fails with an error naming the code (not only a
missing borough); the dataset is quarantined and the accepted lake is byte-identical."""

from __future__ import annotations

import shutil

from ingest.config import settings
from ingest.sources import stage
from ingest.sources.lake import read_state
from pipeline.cli import main

SOURCE = "fingertips_ncmp_obesity"
Y6 = "fingertips_ncmp_obesity/obese_year6.csv"


def mirror_with(tmp_path, mirror_dir, year6: bytes):
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / SOURCE, mirror / SOURCE)
    (mirror / Y6).chmod(0o644)
    (mirror / Y6).write_bytes(year6)
    return mirror


def test_unknown_borough_code_is_named_at_ingest_and_by_gate_1(tmp_path, mirror_dir, capsys):
    good = (mirror_dir / Y6).read_bytes()
    lines = good.split(b"\n")
    hits = [i for i, line in enumerate(lines) if line.startswith(b"E09000033,Westminster,UA,2024/25,")]
    assert len(hits) == 1
    lines[hits[0]] = lines[hits[0]].replace(b"E09000033", b"E09000099", 1)
    mirror = mirror_with(tmp_path, mirror_dir, good)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    args = ["--data-dir", str(cfg.data_dir), "--mirror", str(mirror)]
    stage.run(cfg, sources=[SOURCE], staged=True)
    assert main(["check", "--gate", "lake", "--dataset", "ncmp_obesity_year6", *args]) == 0
    accepted = (cfg.lake_dir / SOURCE / "ncmp_obesity_year6.parquet").read_bytes()
    capsys.readouterr()

    (mirror / Y6).write_bytes(b"\n".join(lines))
    stage.run(cfg, sources=[SOURCE], staged=True)
    err = capsys.readouterr().err
    assert (f"WARNING source {SOURCE}, dataset ncmp_obesity_year6, file {Y6}" in err
            and "unknown London borough code E09000099 (named 'Westminster') on 1 row(s) (obesity_year6 2024/25)"
            in err)

    assert main(["check", "--gate", "lake", "--dataset", "ncmp_obesity_year6", *args]) == 1
    err = capsys.readouterr().err
    assert "first: dataset ncmp_obesity_year6, check unknown_area_code" in err
    assert "E09000099" in err
    assert read_state(cfg)["rejected"] == ["ncmp_obesity_year6"]
    assert (cfg.lake_dir / SOURCE / "ncmp_obesity_year6.parquet").read_bytes() == accepted
