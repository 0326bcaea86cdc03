"""The ``plan`` stage: bad input names file and line, and nothing is ever half-written.

Each test builds a private project root in tmp_path holding a small hand-written plan document.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.plan import stage

GOOD = textwrap.dedent("""\
    # Plan

    ## **1. Healthy Children - Every London Child has a healthy start in life**

    ### **Key commitment**

    Initial ambition of up to 50 School Superzones supported by 2025.

    ### **1.1 Parents are supported**

    The Mayor will:

    - Act.
    """)


def project(tmp_path: Path, text: str | None):
    cfg = settings(project_root=tmp_path, data_dir=tmp_path / "data")
    doc = stage.document_path(cfg)
    if text is not None:
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(text, encoding="utf-8")
    return cfg, doc


def seed_files(cfg) -> dict[str, bytes]:
    d = stage.seeds_dir(cfg)
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())} if d.exists() else {}


def test_writes_the_four_seeds_and_reports_counts(tmp_path):
    cfg, _ = project(tmp_path, GOOD)
    summary = stage.run(cfg, accept_changed_document=True)  # a new document: accepted explicitly
    assert "1 aims, 1 objectives, 1 actions (0 nested), 1 key commitments, 1 targets" in summary
    files = seed_files(cfg)
    assert sorted(files) == sorted(stage.SEED_FILES)
    assert (
        files["plan_targets.csv"].decode().splitlines()[1]
        == "KC1.1-T1,KC1.1,School Superzones supported,50,School Superzones,2025,at_least"
    )
    assert "seeds unchanged" in stage.run(cfg)  # a second run rewrites nothing


def test_missing_document_is_a_clear_error_and_writes_nothing(tmp_path):
    cfg, doc = project(tmp_path, None)
    with pytest.raises(HisError, match="plan document not found") as err:
        stage.run(cfg)
    assert str(doc) in str(err.value)
    assert seed_files(cfg) == {}


def test_empty_document_names_file_and_line(tmp_path):
    cfg, doc = project(tmp_path, "\n  \n\n")
    with pytest.raises(HisError) as err:
        stage.run(cfg)
    assert f"{doc}:1:" in str(err.value) and "empty" in str(err.value)
    assert seed_files(cfg) == {}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("# Plan\n\n### **1.1 Parents are supported**\n\nThe Mayor will:\n\n- Act.\n", 3, "under no aim"),
        (GOOD + "\n### **2.1 Wrong aim**\n\nThe Mayor will:\n\n- Act.\n", 15, "is under aim 1"),
        (GOOD + "\n### **1.1 Parents again**\n", 15, "appears twice"),
        (GOOD.replace("The Mayor will:\n\n", ""), 11, "no introducing sentence"),
        (GOOD + "\n### Funding\n", 15, "unrecognised heading"),
        (
            GOOD.replace("Initial ambition of up to 50 School Superzones supported by 2025.\n\n", ""),
            5,
            "has no text",
        ),
        (GOOD.replace("Initial ambition", "- Initial ambition"), 7, "bullet outside any objective"),
        (GOOD.replace("## **1. Healthy Children - Every", "## **1. Healthy Children Every"), 3, "no ' - '"),
    ],
    ids=[
        "objective-under-no-aim",
        "objective-under-wrong-aim",
        "duplicate-objective",
        "bullet-without-intro",
        "unknown-heading",
        "empty-key-commitment",
        "bullet-under-key-commitment",
        "aim-without-vision",
    ],
)
def test_structural_problems_name_file_and_line(tmp_path, text, line, words):
    cfg, doc = project(tmp_path, text)
    with pytest.raises(HisError) as err:
        stage.run(cfg)
    assert f"{doc}:{line}:" in str(err.value)
    assert words in str(err.value)
    assert seed_files(cfg) == {}


def test_a_bad_document_leaves_the_previous_seeds_untouched(tmp_path):
    cfg, doc = project(tmp_path, GOOD)
    stage.run(cfg, accept_changed_document=True)
    before = seed_files(cfg)
    doc.write_text("# Plan\n\n## **1.1 Orphan objective**\n", encoding="utf-8")
    with pytest.raises(HisError, match="under no aim") as err:
        stage.run(cfg, accept_changed_document=True)  # accepting a change never accepts a document that does not parse
    assert seed_files(cfg) == before
    assert "differs from the one accepted" in str(err.value)


def test_a_failure_while_renaming_rolls_back_to_the_previous_seeds(tmp_path, monkeypatch):
    cfg, doc = project(tmp_path, GOOD)
    stage.run(cfg, accept_changed_document=True)
    before = seed_files(cfg)
    doc.write_text(GOOD.replace("- Act.", "- Act now.\n- Act again.").replace("50", "60"), encoding="utf-8")

    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # the second seed's rename fails after the first was replaced
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(stage.os, "replace", flaky_replace)
    with pytest.raises(HisError, match="previous seeds kept"):
        stage.run(cfg, accept_changed_document=True)
    monkeypatch.setattr(stage.os, "replace", real_replace)
    assert seed_files(cfg) == before  # all four as they were, no temp or backup file left
    assert calls["n"] >= 3  # the failed rename happened and the first file was restored


def test_the_cli_runs_the_plan_stage(tmp_path, monkeypatch):
    from pipeline import cli

    cfg, _ = project(tmp_path, GOOD)
    monkeypatch.setattr(cli, "settings", lambda **kw: cfg)
    assert cli.main(["plan"]) == 1  # a document with no accepted record
    assert seed_files(cfg) == {}
    assert cli.main(["plan", "--accept-changed-document"]) == 0
    assert sorted(seed_files(cfg)) == sorted(stage.SEED_FILES)
    cfg.project_root.joinpath(stage.DOCUMENT).write_text("", encoding="utf-8")
    assert cli.main(["plan"]) == 1
