"""The ``plan`` stage: parse the plan document into ``seeds/plan/plan_*.csv``.

The plan document is founding data, so it is guarded: its sha256 and its expected structure (bytes, lines,
counts of aims, objectives, actions, nested actions, key commitments and targets, the actions of every
objective, the last item and the closing line) are recorded in ``ingest/plan/document/expected_structure.yml``.
A document that differs from the record (a truncated or edited copy, or a parser whose reading of it changed)
fails the stage with a diff (expected vs found, and the checksums), and the seeds are left as they were,
unless the change is accepted explicitly (``his plan --accept-changed-document``), which rewrites the record
after the seeds were written. A document that does not parse at all fails with its file and line first.

The whole document is parsed (and every structural problem raised as a :class:`HisError` naming the
file and line) before anything is written. The four seeds are then written to temporary files beside
their targets and renamed over them only once all four are complete, so an error leaves the previous
seeds untouched (a failure while renaming rolls the renamed files back) and no temporary file behind.
Files whose bytes would not change are not rewritten.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ingest.config import Settings
from ingest.errors import HisError
from ingest.plan.parser import Plan, parse_file

DOCUMENT = Path("ingest/plan/document/health-inequalities-strategy-implementation-plan-2021-24.md")
SEED_FILES = ("plan_aims.csv", "plan_objectives.csv", "plan_commitments.csv", "plan_targets.csv")
EXPECTED = DOCUMENT.with_name("expected_structure.yml")
ACCEPT_FLAG = "--accept-changed-document"
EXPECTED_HEADER = f"""\
# The plan document as last accepted: its checksum and structure (ingest/plan/stage.py, docs/plan.md).
# `his plan` refuses a document (or a parse of it) that differs from this record and leaves the seeds as they
# were; after reviewing a deliberate change, `his plan {ACCEPT_FLAG}` rewrites this file. Do not edit by hand.
"""


def document_path(cfg: Settings) -> Path:
    return cfg.project_root / DOCUMENT


def seeds_dir(cfg: Settings) -> Path:
    return cfg.seeds_dir / "plan"


def render(plan: Plan) -> dict[str, bytes]:
    """Seed file name -> CSV bytes (UTF-8, header row, ``\\n`` line ends, minimal quoting)."""
    out: dict[str, bytes] = {}
    for name, (columns, rows) in plan.tables().items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        writer.writerows(rows)
        out[name] = buf.getvalue().encode("utf-8")
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(files: dict[str, bytes], directory: Path) -> list[str]:
    """Replace the files in ``directory`` all together or not at all; returns the names that changed.

    Every new file is first written in full to a temp file beside its target; only then are the targets
    replaced by renames. If a rename fails, the files already replaced are restored from backups made
    beforehand, so the seeds are never a mix of old and new. Temp files never outlive the call.
    """
    directory.mkdir(parents=True, exist_ok=True)
    changed = [
        n
        for n, data in files.items()
        if not (directory / n).is_file() or (directory / n).read_bytes() != data
    ]
    temps: dict[str, Path] = {}
    backups: dict[str, Path] = {}
    replaced: list[str] = []

    def scratch(name: str, kind: str) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".{kind}", dir=directory)
        os.close(fd)
        return Path(tmp)

    try:
        for name in changed:
            temps[name] = scratch(name, "tmp")
            with open(temps[name], "wb") as fh:
                fh.write(files[name])
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(temps[name], 0o666 & ~_umask())  # mkstemp makes 0600; seeds are ordinary files
        for name in changed:
            if (directory / name).is_file():
                backups[name] = scratch(name, "bak")
                shutil.copy2(directory / name, backups[name])
        for name in changed:
            os.replace(temps[name], directory / name)
            replaced.append(name)
    except OSError as exc:
        for name in replaced:  # roll back to the previous seeds
            if name in backups:
                os.replace(backups[name], directory / name)
            else:
                (directory / name).unlink(missing_ok=True)
        raise HisError(f"could not write the plan seeds in {directory}: {exc}; previous seeds kept") from exc
    finally:
        for tmp in [*temps.values(), *backups.values()]:
            tmp.unlink(missing_ok=True)
    return changed


def expected_path(cfg: Settings) -> Path:
    return cfg.project_root / EXPECTED


def structure(plan: Plan, data: bytes) -> dict[str, Any]:
    """What the record holds for a document: checksum, size, counts and how it ends."""
    import hashlib

    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    actions = [c for c in plan.commitments if c.kind == "action"]
    by_objective: dict[str, int] = {o.objective_id: 0 for o in plan.objectives}
    for c in actions:
        if not c.parent_id and c.objective_id:
            by_objective[c.objective_id] = by_objective.get(c.objective_id, 0) + 1
    closing = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return {
        "document": DOCUMENT.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "lines": len(lines),
        "counts": {
            "aims": len(plan.aims),
            "objectives": len(plan.objectives),
            "actions": len(actions),
            "nested_actions": sum(1 for c in actions if c.parent_id),
            "key_commitments": sum(1 for c in plan.commitments if c.kind == "key_commitment"),
            "targets": len(plan.targets),
        },
        "actions_by_objective": by_objective,
        "last_item": plan.commitments[-1].commitment_id if plan.commitments else "",
        "closing_marker": closing,
    }


def read_expected(cfg: Settings) -> dict[str, Any] | None:
    import yaml

    path = expected_path(cfg)
    if not path.exists():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise HisError(f"the plan document's record {path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sha256"), str):
        raise HisError(f"the plan document's record {path} has no sha256; re-create it with `his plan {ACCEPT_FLAG}`")
    return doc


def write_expected(cfg: Settings, found: dict[str, Any]) -> None:
    import yaml

    path = expected_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(EXPECTED_HEADER + yaml.safe_dump(found, sort_keys=False, allow_unicode=True, width=120),
                   encoding="utf-8")
    os.replace(tmp, path)


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Lines ``<what>: <expected> expected, <found> found`` for everything that differs."""
    out = []

    def cmp(name: str, a: Any, b: Any) -> None:
        if a != b:
            out.append(f"{name}: {a!r} expected, {b!r} found")

    cmp("sha256", expected.get("sha256"), found["sha256"])
    for k in ("bytes", "lines"):
        cmp(k, expected.get(k), found[k])
    exp_counts = expected.get("counts") or {}
    for k, v in found["counts"].items():
        cmp(k.replace("_", " "), exp_counts.get(k), v)
    exp_obj = {str(k): v for k, v in (expected.get("actions_by_objective") or {}).items()}
    for obj in sorted(set(exp_obj) | set(found["actions_by_objective"]),
                      key=lambda o: [int(x) if x.isdigit() else x for x in o.split(".")]):
        cmp(f"objective {obj} actions", exp_obj.get(obj, 0), found["actions_by_objective"].get(obj, 0))
    cmp("last item", expected.get("last_item"), found["last_item"])
    def short(text: Any) -> Any:
        return text[:77] + "..." if isinstance(text, str) and len(text) > 80 else text

    if expected.get("closing_marker") != found["closing_marker"]:
        cmp("closing marker (last line)", short(expected.get("closing_marker")), short(found["closing_marker"]))
    return out


def build(cfg: Settings) -> tuple[Plan, dict[str, bytes]]:
    """Parse the document and render the seeds, writing nothing."""
    plan = parse_file(document_path(cfg))
    return plan, render(plan)


def summary(plan: Plan) -> str:
    actions = [c for c in plan.commitments if c.kind == "action"]
    nested = sum(1 for c in actions if c.parent_id)
    kcs = sum(1 for c in plan.commitments if c.kind == "key_commitment")
    return (
        f"{len(plan.aims)} aims, {len(plan.objectives)} objectives, {len(actions)} actions "
        f"({nested} nested), {kcs} key commitments, {len(plan.targets)} targets"
    )


def run(cfg: Settings, accept_changed_document: bool = False) -> str:
    """Parse the document, check it against its record, then (only then) write the seeds.

    ``accept_changed_document``: a document (or parse) that differs from the record is accepted and the record
    rewritten with its checksum and structure, after the seeds were written."""
    import hashlib

    path = document_path(cfg)
    expected = read_expected(cfg)
    record = os.path.relpath(expected_path(cfg), cfg.project_root)
    try:
        plan, files = build(cfg)
    except HisError as exc:
        if expected is not None and path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != expected["sha256"]:
                raise HisError(f"{exc}\n(the document also differs from the one accepted in {record}: sha256 "
                               f"{expected['sha256']} expected, {digest} found)") from exc
        raise
    found = structure(plan, path.read_bytes())
    diff = differences(expected, found) if expected is not None else ["no record of the accepted document"]
    if diff and not accept_changed_document:
        what = ("the plan document differs from the one accepted" if expected is not None
                else "the plan document has no accepted record")
        raise HisError(
            f"{what} ({path} against {record}); the seeds in {os.path.relpath(seeds_dir(cfg), cfg.project_root)}/ "
            "are left as they were:\n" + "\n".join(f"- {d}" for d in diff) +
            f"\nIf the change is deliberate (a new edition of the plan, or a parser change), review it and run "
            f"`his plan {ACCEPT_FLAG}`: it records the new checksum and counts (then update PROVENANCE.md).")
    changed = write_atomically(files, seeds_dir(cfg))
    where = os.path.relpath(seeds_dir(cfg), cfg.project_root)
    state = f"{len(changed)} of {len(files)} seed files updated" if changed else "seeds unchanged"
    note = ""
    if diff:
        write_expected(cfg, found)
        before = f"{len(diff)} difference(s) from the previous record" if expected is not None else "no previous record"
        note = f"; changed document ACCEPTED ({before}): sha256 {found['sha256'][:12]} and counts recorded in {record}"
    return f"{summary(plan)} -> {where}/ ({state}){note}"
