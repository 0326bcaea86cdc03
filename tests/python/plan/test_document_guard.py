"""The plan document is founding data, guarded (issue 26, finding 3): its checksum and structure are recorded in
``ingest/plan/document/expected_structure.yml``; a changed document fails the plan stage with a diff of the counts
and leaves the committed seeds byte-identical, unless accepted explicitly, which records the new checksum.

Each test works on a private copy of the real document, its record and the committed seeds (tmp project root);
the damaged documents are cuts of the real one made at test time, as the tester made them.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
import yaml

from ingest.config import PROJECT_ROOT, settings
from ingest.errors import HisError
from ingest.plan import stage


@pytest.fixture()
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / stage.DOCUMENT.parent, root / stage.DOCUMENT.parent)
    shutil.copytree(PROJECT_ROOT / "seeds" / "plan", root / "seeds" / "plan")
    return settings(project_root=root, data_dir=tmp_path / "data")


def seeds(cfg) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(stage.seeds_dir(cfg).iterdir())}


def cut(cfg, keep_lines: int) -> str:
    """Keep the document's first ``keep_lines`` lines (each with its line end); returns the new sha256."""
    doc = stage.document_path(cfg)
    lines = doc.read_bytes().splitlines(keepends=True)
    data = b"".join(lines[:keep_lines])
    doc.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_the_real_document_matches_its_record_and_the_committed_seeds(project):
    record = stage.read_expected(project)
    assert record["sha256"] == hashlib.sha256(stage.document_path(project).read_bytes()).hexdigest()
    before = seeds(project)
    summary = stage.run(project)
    assert "seeds unchanged" in summary and "ACCEPTED" not in summary
    assert seeds(project) == before
    # the record's counts are what the committed seeds hold
    assert record["counts"]["actions"] + record["counts"]["key_commitments"] == \
        len(before["plan_commitments.csv"].decode().splitlines()) - 1
    assert record["counts"]["targets"] == len(before["plan_targets.csv"].decode().splitlines()) - 1
    assert record["counts"]["objectives"] == len(before["plan_objectives.csv"].decode().splitlines()) - 1


@pytest.mark.parametrize(("where", "named"), [
    ("half", ["aims: 5 expected", "objectives: 24 expected"]),
    ("ninety_percent", ["aims: 5 expected, 4 found", "objective 4.5 actions: 7 expected, 3 found",
                        "objective 5.3 actions: 8 expected, 0 found", "last item: 'A5.3.8' expected, 'A4.5.3' found"]),
    ("line_532", ["actions: 206 expected, 201 found", "objective 5.3 actions: 8 expected, 3 found"]),
])
def test_a_cut_document_fails_naming_what_changed_and_keeps_the_seeds(project, where, named):
    doc = stage.document_path(project)
    n = len(doc.read_bytes().splitlines())
    assert n == 542  # `wc -l` says 541: the last line has no line end
    keep = {"half": n // 2, "ninety_percent": n * 9 // 10, "line_532": 532}[where]
    before, record = seeds(project), stage.expected_path(project).read_bytes()
    digest = cut(project, keep)
    with pytest.raises(HisError) as err:
        stage.run(project)
    message = str(err.value)
    assert "differs from the one accepted" in message and "--accept-changed-document" in message
    assert f"sha256: 'd053bc67a49cc97842e0324ffedbb9cfda013c1e9d832daf29712437de6228ad' expected, '{digest}' found" \
        in message
    assert f"lines: 542 expected, {keep} found" in message
    for words in named:
        assert words in message, message
    assert seeds(project) == before
    assert stage.expected_path(project).read_bytes() == record


def test_accepting_a_changed_document_records_its_checksum_and_counts(project):
    digest = cut(project, 532)
    summary = stage.run(project, accept_changed_document=True)
    assert "changed document ACCEPTED" in summary and digest[:12] in summary
    record = stage.read_expected(project)
    assert record["sha256"] == digest and record["lines"] == 532
    assert record["counts"]["actions"] == 201 and record["actions_by_objective"]["5.3"] == 3
    commitments = (stage.seeds_dir(project) / "plan_commitments.csv").read_text().splitlines()
    assert len(commitments) - 1 == 207  # the tester's dim_commitment count, now accepted knowingly
    # accepted once, the same document then passes without the flag
    assert "seeds unchanged" in stage.run(project)
    assert yaml.safe_load(stage.expected_path(project).read_text())["sha256"] == digest


def test_an_edited_line_with_the_same_counts_still_fails_on_the_checksum(project):
    doc = stage.document_path(project)
    data = doc.read_bytes()
    doc.write_bytes(data.replace(b"Ottawa Model", b"Ottowa Model", 1))
    before = seeds(project)
    with pytest.raises(HisError) as err:
        stage.run(project)
    lines = [x for x in str(err.value).splitlines() if x.startswith("- ")]
    assert len(lines) == 1 and lines[0].startswith("- sha256:")
    assert seeds(project) == before


def test_a_missing_record_fails_until_accepted(project):
    stage.expected_path(project).unlink()
    with pytest.raises(HisError, match="no accepted record"):
        stage.run(project)
    assert "no previous record" in stage.run(project, accept_changed_document=True)
    assert stage.read_expected(project)["counts"]["actions"] == 206
