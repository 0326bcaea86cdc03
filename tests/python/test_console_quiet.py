"""The build's console stays quiet: one line per stage, detail and tool output in the stage's log file under
``<data>/logs/<run>/``, warnings and failures still shown, and the log's path named when a stage fails."""

from __future__ import annotations

from ingest.config import settings
from ingest.errors import HisError
from ingest.progress import capture, log
from pipeline.context import BuildContext
from pipeline.runner import Stage, log_dir, run_stages


def test_captured_lines_go_to_the_log_and_only_loud_ones_to_the_console(tmp_path, capsys):
    path = tmp_path / "logs" / "run" / "ingest.log"
    with capture(path):
        log("  fetch x: 12 kB from mirror")
        log("  WARNING source y fell back to its cached snapshot")
    log("after the stage")
    err = capsys.readouterr().err
    assert "fetch x" not in err and "WARNING source y" in err and "after the stage" in err
    assert path.read_text().splitlines() == ["  fetch x: 12 kB from mirror",
                                             "  WARNING source y fell back to its cached snapshot"]


def test_one_line_per_stage_and_the_failed_stage_names_its_log(tmp_path, capsys):
    ctx = BuildContext(settings(data_dir=tmp_path / "data"))

    def chatty(_ctx):
        for i in range(50):
            log(f"  detail {i}")
        return "50 things"

    def broken(_ctx):
        log("  the tool said: something odd on line 3")
        raise HisError("source z: file bad.csv has no header row")

    report = run_stages([Stage("one", "first", chatty), Stage("two", "second", broken),
                         Stage("three", "never", chatty)], ctx)
    err = capsys.readouterr().err.splitlines()
    assert not report.ok and [r.name for r in report.results] == ["one", "two"]
    assert err[0].startswith("[1/3] one done in") and err[0].endswith("50 things")
    assert "error in stage 'two': source z: file bad.csv has no header row" in err[1]
    assert err[2] == f"[2/3] two FAILED; full output: {log_dir(ctx) / 'two.log'}"
    assert len(err) == 3
    one = (log_dir(ctx) / "one.log").read_text()
    assert "  detail 49" in one and "  detail 0" in one
    assert "something odd on line 3" in (log_dir(ctx) / "two.log").read_text()
    assert log_dir(ctx).parent == tmp_path / "data" / "logs"
