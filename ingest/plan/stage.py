"""The ``plan`` stage: parse the plan document into ``seeds/plan/plan_*.csv``.

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

from ingest.config import Settings
from ingest.errors import HisError
from ingest.plan.parser import Plan, parse_file

DOCUMENT = Path("ingest/plan/document/health-inequalities-strategy-implementation-plan-2021-24.md")
SEED_FILES = ("plan_aims.csv", "plan_objectives.csv", "plan_commitments.csv", "plan_targets.csv")


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


def run(cfg: Settings) -> str:
    plan, files = build(cfg)
    changed = write_atomically(files, seeds_dir(cfg))
    where = os.path.relpath(seeds_dir(cfg), cfg.project_root)
    state = f"{len(changed)} of {len(files)} seed files updated" if changed else "seeds unchanged"
    return f"{summary(plan)} -> {where}/ ({state})"
