"""Issue 26's minor ingest findings, each reproduced: ``max_bytes: lots`` / ``-1`` refused naming file and field;
a snapshot that failed at ingest is never the offline fallback; rows of an indicator the registry does not list
are noted (one line per source, and in dataset_status.csv), not dropped without a word; a 1 MB CSV field is
named for what it is; an unwritable lake folder is a FAILED stage with a message, not a traceback."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from ingest.errors import HisError
from ingest.fetch import fetch
from ingest.sources import stage
from ingest.sources.conform import FileContext, ParseError, check_csv_complete
from ingest.sources.registry import load_registry, registry_document

NCMP = "fingertips_ncmp_obesity"
FILES = {"reception": "obese_reception.csv", "year6": "obese_year6.csv"}


def ncmp_entry() -> dict:
    return next(e for e in registry_document()["sources"] if e["id"] == NCMP)


def write_registry(tmp_path: Path, entry: dict) -> Path:
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------ max_bytes


@pytest.mark.parametrize("value", ["lots", -1, 0, 1.5, True])
@pytest.mark.parametrize("level", ["source", "file", "dataset"])
def test_max_bytes_must_be_a_positive_number_of_bytes(tmp_path, value, level):
    entry = ncmp_entry()
    holder = {"source": entry, "file": entry["files"][1], "dataset": entry["datasets"][1]}[level]
    holder["options"] = {**(holder.get("options") or {}), "max_bytes": value}
    path = write_registry(tmp_path, entry)
    with pytest.raises(HisError) as err:
        load_registry(path)
    message = str(err.value)
    assert str(path) in message and "max_bytes" in message and repr(value) in message
    assert {"source": f"source '{NCMP}'", "file": "file 'year6'", "dataset": "dataset 'ncmp_obesity_year6'"}[level] \
        in message


def test_fetch_refuses_a_bad_max_bytes_too(tmp_settings):
    with pytest.raises(HisError, match=r"source s: option max_bytes must be a whole number of bytes"):
        fetch(tmp_settings, "s", "https://example.invalid/a.csv", mirror_path="x/a.csv", max_bytes=-1)


# ----------------------------------------------------------------------------- rows of unregistered indicators


def test_rows_of_indicators_the_registry_does_not_list_are_noted_once_per_source(tmp_settings, mirror_dir,
                                                                                   capsys):
    expected = {}
    for fid, name in FILES.items():  # counted here from the real file, independently of the parser
        with (mirror_dir / NCMP / name).open(newline="", encoding="utf-8-sig") as fh:
            labels = [r["indicator"] for r in csv.DictReader(fh)]
        registered = {ind["source_label"] for d in ncmp_entry()["datasets"] if d["file"] == fid
                      for ind in d["indicators"]}
        expected[fid] = sum(1 for label in labels if label not in registered)
    assert sum(expected.values()) > 0  # the mirror's NCMP exports hold 5-year pooled indicators we do not read

    stage.run(tmp_settings, sources=[NCMP])

    notes = [line for line in capsys.readouterr().err.splitlines() if "NOTE" in line]
    assert len(notes) == 1 and NCMP in notes[0]
    dstatus = stage.read_dataset_status(tmp_settings)
    for d in ncmp_entry()["datasets"]:
        fid = d["file"]
        reason = dstatus[d["id"]]["reason"]
        if expected[fid]:
            assert f"file {fid} also holds {expected[fid]:,} row(s)" in reason and "not read" in reason
            assert f"file {fid} also holds {expected[fid]:,} row(s)" in notes[0]
    # unchanged on the next run: nothing parsed, the note kept in the dataset status
    stage.run(tmp_settings, sources=[NCMP])
    assert stage.read_dataset_status(tmp_settings)[d["id"]]["reason"] == dstatus[d["id"]]["reason"]


# ----------------------------------------------------------------------------------------- a 1 MB CSV field


def ctx_for(tmp_path: Path) -> FileContext:
    return FileContext("src", "ds", "f", tmp_path / "f.csv", "https://example.invalid/f.csv", None, "0" * 64, {})


def test_a_one_megabyte_field_is_named_for_what_it_is(tmp_path):
    text = 'a,b\n1,"' + "x" * 1_000_000 + '"\n2,3\n'
    with pytest.raises(ParseError) as err:
        check_csv_complete(ctx_for(tmp_path), text)
    message = str(err.value)
    assert "line 2 holds a field of 1,000,000 characters" in message and "131,072" in message
    assert "unterminated" not in message and "truncated" not in message


def test_a_quote_left_open_is_named_as_such(tmp_path):
    text = 'a,b\n1,"' + "x" * 200_000 + "\n2,3\n"
    with pytest.raises(ParseError, match="a quoted field is never closed"):
        check_csv_complete(ctx_for(tmp_path), text)


# --------------------------------------------------------------------------------- an unwritable lake folder


def test_an_unwritable_lake_folder_is_a_failed_stage_not_a_traceback(tmp_path, mirror_dir, capsys):
    from pipeline.cli import main

    data = tmp_path / "data"
    (data / "lake").mkdir(parents=True)
    args = ["--data-dir", str(data), "--mirror", str(mirror_dir)]
    if os.geteuid() != 0:
        (data / "lake").chmod(0o555)
        undo = lambda: (data / "lake").chmod(0o755)
    elif subprocess.run(["chattr", "+i", str(data / "lake")], check=False, capture_output=True).returncode == 0:
        undo = lambda: subprocess.run(["chattr", "-i", str(data / "lake")], check=True)
    else:
        pytest.skip("cannot make a folder unwritable here (chattr +i refused)")
    try:
        assert main(["ingest", "--source", NCMP, *args]) == 1
    finally:
        undo()
    out = capsys.readouterr()
    text = out.out + out.err
    assert "FAILED" in text and "Traceback" not in text
    log = next((data / "logs").rglob("ingest.log")).read_text()
    assert "ingest could not write" in log and str(data / "lake") in log and "Traceback" not in log
    assert list((data / "lake").iterdir()) == []
