"""One writer, whole files (issue 26, findings 1, 4 and 5 and four minor ones), on small real DuckDB files.

- Finding 1: with another process holding ``warehouse.duckdb`` read-write, publish refused (naming the file and
  the process) instead of renaming over it and leaving that process's write-ahead log to be replayed onto the new
  file; once that process is gone (SIGKILL: its log stays), publish removes the stale log and the new file reads
  as what was checked. A published file changed behind the pipeline's back is detected by its sha256.
- Finding 4: the leftover candidate of a killed dbt run (a real child process writing with DuckDB, SIGKILLed) is
  refused by gate 2 and by publish (``his build --skip dbt``), naming the file and why; the published warehouse and
  its build record stay byte-identical.
- Finding 5: a second command on a data directory another one holds refuses at once (or after ``--wait``) naming
  the holder, records nothing, and runs once the holder is SIGKILLed (the OS lock goes with the process).
- Minors: a full disk (a real write failure: RLIMIT_FSIZE) during the candidate copy and an immutable warehouse end
  in the FAILED summary, not a traceback.

The stages before gate 2 are skipped (``--skip``): what is tested here is gate 2's and publish's refusal, which
come before any expectation runs; dbt itself is not run (its part, sealing the candidate, is called directly).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest.config import PROJECT_ROOT, settings
from pipeline import runner
from pipeline.cli import BUILD_ORDER, main
from pipeline.context import BuildContext
from pipeline.warehouse import (
    candidate_path,
    file_sha256,
    mark_checked,
    publish,
    published_state,
    published_unverified,
    seal_candidate,
    verify_candidate,
    wal_path,
)


def _only(*stages: str) -> list[str]:
    """``--skip`` arguments for every build stage but these."""
    return [a for s in BUILD_ORDER if s not in stages for a in ("--skip", s)]


def _areas(db: Path, n: int) -> None:
    con = duckdb.connect(str(db))
    con.execute("create or replace table dim_area as select 'E09' || lpad(range::varchar, 6, '0') as area_code "
                f"from range({n})")
    con.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(db: Path) -> Path:
    return db.with_name(db.name + ".inputs.json")


@pytest.fixture()
def cfg(tmp_path):
    """A data directory whose published warehouse (dim_area, 37 rows) was published the pipeline's way."""
    cfg = settings(data_dir=tmp_path / "data", mirror=tmp_path / "no-mirror")
    cfg.data_dir.mkdir(parents=True)
    _areas(candidate_path(cfg), 37)
    seal_candidate(cfg, {})
    publish(cfg)
    return cfg


def _new_candidate(cfg, rows: int = 38) -> None:
    _areas(candidate_path(cfg), rows)
    seal_candidate(cfg, {})


def _child(code: str, *args: str) -> subprocess.Popen:
    """A second real process running ``code``; returns once it printed 'ready'."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


# A DuckDB session writing to a file and keeping it open (its changes stay in the write-ahead log).
WRITER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("set wal_autocheckpoint = '1GB'")
con.execute("delete from dim_area where area_code = 'E09000000'")
con.execute("create table foreign_table as select 42 as x")
print("ready", flush=True)
time.sleep(120)
"""


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_finding1_publish_refuses_a_warehouse_held_for_writing_and_never_leaves_a_stale_wal(cfg, capsys):
    before = (_sha(cfg.warehouse), _record(cfg.warehouse).read_bytes())
    writer = _child(WRITER, str(cfg.warehouse))
    try:
        assert wal_path(cfg.warehouse).exists()
        # gate 2 on the published warehouse (no candidate) refuses (it was a DuckDB IOException traceback)
        assert main(["check", "--gate", "marts", "--data-dir", str(cfg.data_dir)]) == 1
        err = capsys.readouterr().err
        assert "check-marts FAILED" in err and "open for writing by another process" in err
        assert "Traceback" not in err
        _new_candidate(cfg, 38)
        assert main(["build", *_only("publish"), "--skip", "check-marts", "--data-dir", str(cfg.data_dir)]) == 1
        err = capsys.readouterr().err
        assert "publish FAILED" in err and "Traceback" not in err
        assert f"{cfg.warehouse} is open for writing by another process" in err and f"PID {writer.pid}" in err
        assert (_sha(cfg.warehouse), _record(cfg.warehouse).read_bytes()) == before
        assert candidate_path(cfg).exists() and _record(candidate_path(cfg)).exists()  # kept for the next run
    finally:
        _kill(writer)
    # The writer died without closing: its log stays beside the old file. Publishing removes it first.
    assert wal_path(cfg.warehouse).exists()
    assert published_unverified(cfg) is not None and "write-ahead log" in published_unverified(cfg)
    assert main(["build", *_only("publish"), "--skip", "check-marts", "--data-dir", str(cfg.data_dir)]) == 0
    assert f"WARNING removed {wal_path(cfg.warehouse)}" in capsys.readouterr().err
    assert not wal_path(cfg.warehouse).exists() and not candidate_path(cfg).exists()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from dim_area").fetchone() == (38,)  # nothing replayed onto it
        assert con.execute("select count(*) from information_schema.tables "
                           "where table_name = 'foreign_table'").fetchone() == (0,)
    finally:
        con.close()
    assert published_state(cfg)["sha256"] == file_sha256(cfg.warehouse) and published_unverified(cfg) is None


def test_finding1_a_published_file_changed_by_another_writer_is_not_taken_as_unchanged(cfg):
    """'Unchanged since gate 2' is the published file's sha256, not its build record: a DuckDB session that wrote
    to it and closed (checkpointed, no log left) is caught."""
    assert published_unverified(cfg) is None
    con = duckdb.connect(str(cfg.warehouse))
    con.execute("delete from dim_area where area_code = 'E09000000'")
    con.close()
    assert not wal_path(cfg.warehouse).exists()
    reason = published_unverified(cfg)
    assert reason is not None and "sha256" in reason and "something else wrote to it" in reason


KILLED_DBT = """
import duckdb, sys, time
from ingest.config import settings
from pipeline.warehouse import prepare_candidate
cand = prepare_candidate(settings(data_dir=sys.argv[1]))
con = duckdb.connect(str(cand))
con.execute("set wal_autocheckpoint = '1GB'")
con.execute("create or replace table dim_area as select 'E09' || lpad(range::varchar, 6, '0') as area_code "
            "from range(36)")
if sys.argv[2] == "checkpoint":
    con.execute("checkpoint")
print("ready", flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("killed_at", ["mid-write", "after-checkpoint"])
def test_finding4_leftover_candidate_of_a_killed_dbt_run_is_neither_checked_nor_published(cfg, capsys, killed_at):
    before = (_sha(cfg.warehouse), _record(cfg.warehouse).read_bytes())
    dbt = _child(KILLED_DBT, str(cfg.data_dir), "checkpoint" if killed_at == "after-checkpoint" else "no")
    _kill(dbt)  # SIGKILL: the way the tester stopped dbt
    cand = candidate_path(cfg)
    assert cand.exists() and wal_path(cand).exists() == (killed_at == "mid-write")
    why = "write-ahead log beside it" if killed_at == "mid-write" else "has no completion record"
    args = ["--data-dir", str(cfg.data_dir)]
    # `his build --skip dbt`: gate 2 refuses the candidate (before any expectation runs) ...
    assert main(["build", *_only("check-marts", "publish"), *args]) == 1
    err = capsys.readouterr().err
    assert "check-marts FAILED" in err and f"the candidate warehouse {cand}" in err and why in err
    # ... and so does publish when gate 2 is skipped
    assert main(["build", *_only("publish"), "--skip", "check-marts", *args]) == 1
    err = capsys.readouterr().err
    assert "publish FAILED" in err and why in err and "Traceback" not in err
    assert (_sha(cfg.warehouse), _record(cfg.warehouse).read_bytes()) == before  # inputs.json not deleted


def test_finding4_publish_takes_only_the_bytes_gate2_passed(cfg):
    _new_candidate(cfg, 38)
    record = verify_candidate(cfg)
    mark_checked(cfg, record)  # what gate 2 writes when it passes
    con = duckdb.connect(str(candidate_path(cfg)))  # changed after the gate read it
    con.execute("delete from dim_area where area_code = 'E09000001'")
    con.close()
    before = _sha(cfg.warehouse)
    with pytest.raises(Exception, match="changed after dbt finished it: its sha256 is"):
        publish(cfg, gate2="passed")
    assert _sha(cfg.warehouse) == before
    # a sealed candidate gate 2 never passed is not published as "passed" either
    _new_candidate(cfg, 38)
    with pytest.raises(Exception, match="is not the file gate 2 passed"):
        publish(cfg, gate2="passed")
    assert _sha(cfg.warehouse) == before


HOLDER = """
import sys, time
from ingest.config import settings
from pipeline.lock import writer_lock
with writer_lock(settings(data_dir=sys.argv[1]), "his build --skip report"):
    print("ready", flush=True)
    time.sleep(120)
"""


def _listing(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): _sha(p) for p in sorted(root.rglob("*"))
            if p.is_file() and ".his.lock" not in p.name}


def test_finding5_a_second_command_refuses_names_the_holder_and_records_nothing(cfg, capsys):
    holder = _child(HOLDER, str(cfg.data_dir))
    before = _listing(cfg.data_dir)
    try:
        for argv in (["check", "--gate", "lake"], ["build", "--skip", "report"], ["dbt"], ["report"]):
            start = time.monotonic()
            assert main([*argv, "--data-dir", str(cfg.data_dir)]) == 1
            assert time.monotonic() - start < 5  # refuses at once
            err = capsys.readouterr().err
            assert f"is in use by process {holder.pid}" in err and "`his build --skip report`" in err, err
            assert "--wait" in err and "Traceback" not in err
        assert main(["check", "--gate", "lake", "--wait", "1", "--data-dir", str(cfg.data_dir)]) == 1
        err = capsys.readouterr().err
        assert "waiting up to 1 s" in err and "after waiting 1 s" in err
        # nothing recorded: no failed gate, no quarantine folder, no results, no logs
        assert _listing(cfg.data_dir) == before
    finally:
        _kill(holder)
    # The lock went with the killed process: no stale lock to clear.
    assert main(["build", *_only(), "--data-dir", str(cfg.data_dir)]) == 0


def test_finding5_a_waiting_command_runs_once_the_holder_ends(cfg, capsys):
    holder = _child(HOLDER, str(cfg.data_dir))
    killer = subprocess.Popen(["sh", "-c", f"sleep 1; kill -9 {holder.pid}"])
    try:
        assert main(["build", *_only(), "--wait", "60", "--data-dir", str(cfg.data_dir)]) == 0
        assert "waiting up to 60 s" in capsys.readouterr().err
    finally:
        killer.wait()
        holder.kill()
        holder.wait()


def test_disk_full_during_the_candidate_copy_ends_in_the_failed_summary(cfg, capsys):
    """A real write failure (RLIMIT_FSIZE: writes past the limit fail with EFBIG, as a full disk fails them with
    ENOSPC) while `his dbt` copies the published warehouse to the candidate: before, an OSError traceback."""
    before = _sha(cfg.warehouse)
    size = cfg.warehouse.stat().st_size
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, hard))
    try:
        code = main(["dbt", "--accept-unchecked-lake", "--data-dir", str(cfg.data_dir)])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    err = capsys.readouterr().err
    assert code == 1 and "dbt FAILED" in err and "Traceback" not in err
    assert "could not copy the published warehouse" in err and "File too large" in err
    assert _sha(cfg.warehouse) == before
    assert [p.name for p in cfg.data_dir.iterdir() if "candidate" in p.name] == []  # no half copy left


def test_immutable_warehouse_ends_in_the_failed_summary(cfg, capsys):
    _new_candidate(cfg, 38)
    before = _sha(cfg.warehouse)
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(cfg.warehouse)], check=False,
                                                     capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        code = main(["build", *_only("publish"), "--skip", "check-marts", "--data-dir", str(cfg.data_dir)])
    finally:
        subprocess.run(["chattr", "-i", str(cfg.warehouse)], check=True)
    err = capsys.readouterr().err
    assert code == 1 and "publish FAILED" in err and "Traceback" not in err
    assert f"could not replace {cfg.warehouse} with the checked candidate" in err
    assert _sha(cfg.warehouse) == before and candidate_path(cfg).exists()


def test_machine_faults_end_in_the_failed_summary_and_bugs_still_raise(tmp_path):
    """The runner's one rule for faults no stage foresaw: OS and DuckDB errors are reported (traceback in the
    stage log), any other exception is a bug and propagates."""
    ctx = BuildContext(settings(data_dir=tmp_path / "data"))

    def disk(_ctx):
        raise OSError(28, "No space left on device", str(tmp_path / "x"))

    def locked(_ctx):
        duckdb.connect(str(tmp_path / "nope" / "x.duckdb"))

    def bug(_ctx):
        raise ValueError("a bug")

    for fn, words in ((disk, "No space left on device"), (locked, "IOException")):
        report = runner.run_stages([runner.Stage("s", "", fn)], ctx)
        assert not report.ok and words in report.results[0].summary
        log = (runner.log_dir(ctx) / "s.log").read_text()
        assert "Traceback" in log
    with pytest.raises(ValueError):
        runner.run_stages([runner.Stage("s", "", bug)], ctx)


def test_partial_gate2_is_recorded_as_partial(cfg):
    _new_candidate(cfg, 38)
    mark_checked(cfg, verify_candidate(cfg), ["dim_area"])
    publish(cfg, gate2="passed")
    assert published_state(cfg)["gate2"] == "passed on dim_area only"
    assert json.loads(_record(cfg.warehouse).read_text())["sha256"] == file_sha256(cfg.warehouse)


def test_sha256_is_streamed(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(os.urandom(3 << 20))
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_finding1_end_to_end_a_foreign_writer_never_reaches_the_published_warehouse(mirror_build_copy, capsys):
    """The tester's case on a real build: a DuckDB session holds the published warehouse read-write with changes
    in its log (a dim_area row deleted, a foreign table). `his build` refuses before dbt runs; after that session
    is SIGKILLed (its log left behind), the next build does not take the file as unchanged, rebuilds it from
    scratch, publishes with no log beside it, and gate 2 passes on what was published."""
    cfg = mirror_build_copy
    args = ["--skip", "report", "--data-dir", str(cfg.data_dir), "--mirror", str(cfg.mirror)]
    before = (_sha(cfg.warehouse), _record(cfg.warehouse).read_bytes())
    writer = _child(WRITER.replace("E09000000", "E09000001"), str(cfg.warehouse))
    try:
        assert main(["build", *args]) == 1
        err = capsys.readouterr().err
        assert "dbt FAILED" in err and f"{cfg.warehouse} is open for writing by another process" in err
        assert (_sha(cfg.warehouse), _record(cfg.warehouse).read_bytes()) == before
    finally:
        _kill(writer)
    assert wal_path(cfg.warehouse).exists()
    assert main(["build", *args]) == 0
    err = capsys.readouterr().err
    assert "inputs unchanged" not in err and "warehouse unchanged" not in err  # dbt and gate 2 ran
    assert f"WARNING removed {wal_path(cfg.warehouse)}" in err
    assert not wal_path(cfg.warehouse).exists()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from dim_area").fetchone() == (37,)
        assert con.execute("select count(*) from information_schema.tables "
                           "where table_name = 'foreign_table'").fetchone() == (0,)
    finally:
        con.close()
    assert main(["check", "--gate", "marts", "--data-dir", str(cfg.data_dir)]) == 0


def test_a_warehouse_outside_the_data_directory_has_its_own_lock(tmp_path, capsys):
    """Two data directories writing one warehouse (--warehouse) are one writer too."""
    from pipeline.lock import writer_lock

    shared = tmp_path / "elsewhere" / "warehouse.duckdb"
    first = settings(data_dir=tmp_path / "a", warehouse=shared)
    with writer_lock(first, "his build"):
        assert main(["build", *_only(), "--data-dir", str(tmp_path / "b"), "--warehouse", str(shared)]) == 1
        assert f"{shared.parent} is in use by process {os.getpid()}" in capsys.readouterr().err
    assert main(["build", *_only(), "--data-dir", str(tmp_path / "b"), "--warehouse", str(shared)]) == 0


def test_a_warehouse_inside_another_data_directory_is_locked_too(tmp_path, capsys):
    """The tester's route back to finding 5: `his build --data-dir /tmp/d2 --warehouse <data>/warehouse.duckdb`
    beside a plain `his build` on <data>. The warehouse's own lock is always taken, so the second refuses."""
    from pipeline.lock import writer_lock

    plain = settings(data_dir=tmp_path / "data")
    with writer_lock(plain, "his build"):
        assert main(["build", *_only(), "--data-dir", str(tmp_path / "d2"), "--warehouse", str(plain.warehouse)]) == 1
        assert f"is in use by process {os.getpid()}" in capsys.readouterr().err
    assert main(["build", *_only(), "--data-dir", str(tmp_path / "d2"), "--warehouse", str(plain.warehouse)]) == 0
