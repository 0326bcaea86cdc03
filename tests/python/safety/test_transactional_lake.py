"""Slow: the lake is transactional. Bad input from truncated copies of the real mirror file (made at test time in
tmp) is staged, rejected by gate 1 and quarantined; the accepted lake, the published warehouse and the raw
manifest's accepted rows stay byte-identical; a rejected snapshot is never a baseline nor a fallback, and
``his dbt`` alone refuses a lake whose last gate run failed (issue 15, cases 1-4)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ingest.config import settings
from ingest.fetch import latest_snapshot
from pipeline.cli import main

SOURCE = "fingertips_ncmp_obesity"
DATASET = "ncmp_obesity_year6"
Y6 = "fingertips_ncmp_obesity/obese_year6.csv"
Y6_URL = "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=90323&area_type_id=101"


def fingerprint(cfg) -> dict[str, str]:
    """sha256 of every accepted lake file, the lake manifest and the published warehouse."""
    out = {}
    for p in sorted(cfg.lake_dir.glob("*/*.parquet")):
        if p.parts[-2] not in (".staging", "quarantine"):
            out[str(p.relative_to(cfg.lake_dir))] = hashlib.sha256(p.read_bytes()).hexdigest()
    for p in (cfg.lake_dir / "manifest.csv", cfg.warehouse):
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture()
def bad_mirror(tmp_path, mirror_dir) -> Path:
    """A private copy of the real mirror (the tests truncate files in it)."""
    copy = tmp_path / "mirror"
    shutil.copytree(mirror_dir, copy)
    (copy / Y6).chmod(0o644)
    return copy


def head_lines(src: Path, dest: Path, n: int) -> None:
    with src.open("rb") as fh:
        lines = fh.readlines()[:n]
    dest.write_bytes(b"".join(lines))


@pytest.mark.slow
def test_rejected_data_is_quarantined_never_baseline_never_fallback(mirror_build_copy, bad_mirror, mirror_dir,
                                                                     capsys, monkeypatch):
    cfg = mirror_build_copy
    before = fingerprint(cfg)
    raw_before = (cfg.raw_dir / "manifest.csv").read_bytes()
    accepted_sha = latest_snapshot(cfg, SOURCE, Y6_URL).sha256
    args = ["--data-dir", str(cfg.data_dir), "--mirror", str(bad_mirror)]

    # case 2, first half: 1,835 of 3,671 data rows -> gate 1 rejects (row count vs the accepted snapshot)
    head_lines(mirror_dir / Y6, bad_mirror / Y6, 1836)
    assert main(["build", "--skip", "report", *args]) == 1
    err = capsys.readouterr().err
    assert "REJECTED and quarantined" in err and DATASET in err
    state = json.loads((cfg.lake_dir / "state.json").read_text())
    assert state["gate1"] == "failed" and state["rejected"] == [DATASET]
    qdir = cfg.data_dir / state["quarantine"]
    assert (qdir / SOURCE / f"{DATASET}.parquet").exists()
    results = [json.loads(line) for line in (qdir / "gate_results.json").read_text().splitlines()]
    assert any(r["check_name"] == "row_count_vs_previous" and not r["success"] for r in results)
    assert fingerprint(cfg) == before
    raw_after = (cfg.raw_dir / "manifest.csv").read_bytes()
    assert raw_after.startswith(raw_before)  # accepted rows byte-identical; the rejected snapshot appended
    with (cfg.raw_dir / "rejected.csv").open(newline="") as fh:
        rejected = [r for r in csv.DictReader(fh) if r["dataset_id"] == DATASET]
    bad_sha = hashlib.sha256((bad_mirror / Y6).read_bytes()).hexdigest()
    assert [r["sha256"] for r in rejected] == [bad_sha]

    # case 3: `his dbt` alone refuses the lake whose last gate run failed; the flag builds from accepted data
    assert main(["dbt", *args]) == 1
    err = capsys.readouterr().err
    assert "rejected ncmp_obesity_year6" in err and "--accept-unchecked-lake" in err
    assert fingerprint(cfg) == before

    # case 2, second half: 1,651 rows. The baseline is still the accepted snapshot, not the rejected one
    head_lines(mirror_dir / Y6, bad_mirror / Y6, 1652)
    assert main(["build", "--skip", "report", *args]) == 1
    err = capsys.readouterr().err
    # the console shows the failures; the stage's full output (the baseline line) is in the run's log folder
    runs = sorted((cfg.data_dir / "logs").iterdir(), key=lambda d: d.stat().st_mtime)
    err += "\n".join(f.read_text(errors="replace") for f in runs[-1].glob("*.log"))
    assert "previous snapshot had 374 rows" in err  # the accepted one, not the rejected 185
    # case 9 (row-count message): names the dataset, the file checked, what was seen and the expected minimum
    assert f"dataset {DATASET} (file {cfg.lake_dir.resolve() / '.staging'}" in err
    assert "check row_count_vs_previous (expect_table_row_count_to_be_between): 143 rows, expected at least 299" in err
    assert fingerprint(cfg) == before

    # case 4: offline with no mirror, the fallback is the accepted snapshot, never a rejected one
    monkeypatch.delenv("HIS_MIRROR", raising=False)
    offline = settings(data_dir=cfg.data_dir, mirror=None)
    assert offline.mirror is None
    assert latest_snapshot(offline, SOURCE, Y6_URL).sha256 == accepted_sha
    assert main(["ingest", "--offline", "--source", SOURCE, "--data-dir", str(cfg.data_dir)]) == 0
    assert "ncmp_obesity_year6" not in json.loads((cfg.lake_dir / "state.json").read_text()).get("pending", [])

    # the good file again: accepted, published
    shutil.copyfile(mirror_dir / Y6, bad_mirror / Y6)
    assert main(["build", "--skip", "report", *args]) == 0
    assert json.loads((cfg.lake_dir / "state.json").read_text())["gate1"] == "passed"


@pytest.mark.slow
def test_ingest_alone_leaves_the_lake_unchecked_and_dbt_refuses(mirror_build_copy, bad_mirror, mirror_dir, capsys):
    cfg = mirror_build_copy
    before = fingerprint(cfg)
    args = ["--data-dir", str(cfg.data_dir), "--mirror", str(bad_mirror)]
    head_lines(mirror_dir / Y6, bad_mirror / Y6, 3000)
    assert main(["ingest", *args]) == 0
    state = json.loads((cfg.lake_dir / "state.json").read_text())
    assert state["gate1"] == "unchecked" and state["pending"] == [DATASET]
    assert fingerprint(cfg) == before  # staged, not in the lake
    assert main(["dbt", *args]) == 1
    assert "not checked" in capsys.readouterr().err
    assert fingerprint(cfg) == before


@pytest.mark.slow
def test_latest_period_may_not_move_backwards(mirror_build_copy, bad_mirror, mirror_dir, capsys):
    """Case 1b: the file cut at the line end before byte 455,063 (97% of it, complete CSV) has lost every
    borough's 2024/25 value; a 9% row drop passes the row-count check, the latest-period check does not."""
    cfg = mirror_build_copy
    before = fingerprint(cfg)
    data = (mirror_dir / Y6).read_bytes()[:455063]
    (bad_mirror / Y6).write_bytes(data[: data.rindex(b"\n") + 1])
    assert main(["build", "--skip", "report", "--data-dir", str(cfg.data_dir), "--mirror", str(bad_mirror)]) == 1
    err = capsys.readouterr().err
    assert "check previous_latest_period_complete" in err and DATASET in err
    assert "2024/25" in err
    assert "row_count_vs_previous" not in err.split("error in stage")[1]  # only 9% of the rows went
    assert fingerprint(cfg) == before
