"""Shared pytest fixtures: the project root, the shared mirror of published files, isolated settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import __main__
from ingest.config import PROJECT_ROOT, Settings, settings

# pytest-xdist workers run under execnet, whose __main__ module has neither __spec__ nor __file__. pyspark (which
# Great Expectations imports when it is installed, as the spark extra is) then believes it is running doctests and
# calls sys.exit(0) on import (pyspark/sql/connect/utils.py, check_dependencies). Name the worker's __main__.
if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"


def pytest_configure(config) -> None:
    """Each pytest-xdist worker gets its own dbt target folder (``target/pytest-<worker>``). dbt rewrites
    manifest.json, run_results.json and its partial-parse cache on every run; with one shared ``target/``, a worker
    could read the manifest while another worker's dbt was half-way through writing it (seen once in 393 tests:
    a JSONDecodeError in the Spark parity test). Subprocesses inherit the setting."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker and "DBT_TARGET_PATH" not in os.environ:
        # relative, so a test's copy of the project writes into its own target/ (dbt runs in the project root)
        os.environ["DBT_TARGET_PATH"] = f"target/pytest-{worker}"
    _watch_memory()


#: A test process whose own memory passes this many GiB is stopped (``HIS_TEST_MEMORY_LIMIT_GIB``). The suite's
#: processes stay under 1 GiB each (the whole suite peaks near 6.4 GiB across its workers, Spark's JVM included);
#: once a CI worker grew to 18 GiB until the kernel's OOM killer ended it, and pytest-xdist then waited for it
#: until CI's time ran out, with nothing to say which test it was.
MEMORY_LIMIT_GIB = float(os.environ.get("HIS_TEST_MEMORY_LIMIT_GIB", "8"))
#: Folder (made by the controlling pytest process, inherited by the workers) where a stopped worker leaves its
#: report; a worker's own stderr is captured by pytest and lost with the process, so the controller prints it.
WATCH_DIR = "HIS_TEST_WATCH_DIR"


def _watch_memory() -> None:
    """Check this process's resident memory every second; past :data:`MEMORY_LIMIT_GIB`, write the running test
    and every thread's stack to a report and end the process. pytest-xdist (``--max-worker-restart=0``) then
    fails the run at once, naming that test, and :func:`pytest_terminal_summary` prints the report, instead of
    the kernel killing whichever process is largest."""
    import faulthandler
    import tempfile
    import threading

    if WATCH_DIR not in os.environ:  # the controlling process (or a run without xdist)
        os.environ[WATCH_DIR] = tempfile.mkdtemp(prefix="his-test-watch-")
    report = Path(os.environ[WATCH_DIR]) / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}.txt"
    page = os.sysconf("SC_PAGE_SIZE")
    limit = MEMORY_LIMIT_GIB * 2**30

    tick = threading.Event()  # never set: its wait() is the pause (a test that patches time.sleep leaves it alone)

    def watch() -> None:
        while not tick.wait(1.0):
            try:
                rss = int(Path("/proc/self/statm").read_text().split()[1]) * page
            except (OSError, IndexError, ValueError):
                return  # no /proc here: nothing to watch
            if rss > limit:
                with report.open("w", encoding="utf-8") as out:
                    out.write(f"a test process used {rss / 2**30:.1f} GiB, more than the suite's limit of "
                              f"{MEMORY_LIMIT_GIB:g} GiB (HIS_TEST_MEMORY_LIMIT_GIB), while running "
                              f"{os.environ.get('PYTEST_CURRENT_TEST', 'no test')}; it was ended. Its threads:\n")
                    out.flush()
                    faulthandler.dump_traceback(file=out, all_threads=True)
                os._exit(70)

    threading.Thread(target=watch, name="test-memory-watch", daemon=True).start()


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the report of any test process the memory watch ended (see :func:`_watch_memory`)."""
    folder = os.environ.get(WATCH_DIR)
    if os.environ.get("PYTEST_XDIST_WORKER") or not folder or not Path(folder).is_dir():
        return
    for path in sorted(Path(folder).glob("*.txt")):
        terminalreporter.section(f"memory watch: {path.stem}", sep="!")
        terminalreporter.write(path.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The mirror of real published files (``HIS_MIRROR``, default ``../shared/data``)."""
    path = Path(os.environ.get("HIS_MIRROR") or PROJECT_ROOT.parent / "shared" / "data").resolve()
    if not (path / "README.md").exists():
        pytest.fail(f"the shared mirror is missing at {path}; set HIS_MIRROR")
    return path


@pytest.fixture()
def tmp_settings(tmp_path: Path, mirror_dir: Path) -> Settings:
    """Settings whose data directory and warehouse are private to one test."""
    return settings(data_dir=tmp_path / "data", mirror=mirror_dir)


@pytest.fixture(scope="session")
def mirror_build(tmp_path_factory, mirror_dir: Path, worker_id: str) -> Settings:
    """ONE real build of the mirror (plan, ingest, gate 1, dbt build, gate 2, publish; no report) per test
    session, shared READ-ONLY by every test that reads its lake or warehouse. A test that changes the lake or
    the warehouse takes :func:`mirror_build_copy` instead.

    Under pytest-xdist (``make test`` runs two workers) the workers share one build: the first worker to need
    it builds it under a file lock in the session's common temporary directory, the other waits and reuses it
    (the pattern pytest-xdist documents for session fixtures that must run once)."""
    from filelock import FileLock

    from pipeline.cli import main

    def build(data: Path) -> Settings:
        assert main(["build", "--skip", "report", "--data-dir", str(data), "--mirror", str(mirror_dir)]) == 0, \
            "the shared mirror build failed (see the output above)"
        return settings(data_dir=data, mirror=mirror_dir)

    if worker_id == "master":  # not under xdist
        return build(tmp_path_factory.mktemp("mirror_build") / "data")
    shared = tmp_path_factory.getbasetemp().parent / "mirror_build"  # common to this session's workers
    with FileLock(str(shared) + ".lock"):
        done, failed = shared / "built", shared / "failed"
        if failed.exists():
            pytest.fail("the shared mirror build failed in another worker (see its output)")
        if not done.exists():
            shared.mkdir(parents=True, exist_ok=True)
            try:
                build(shared / "data")
            except BaseException:
                failed.touch()
                raise
            done.touch()
    return settings(data_dir=shared / "data", mirror=mirror_dir)


@pytest.fixture()
def mirror_build_copy(tmp_path: Path, mirror_build: Settings) -> Settings:
    """A private copy of the shared mirror build's data directory, for a test that changes it."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(mirror_build.data_dir, data, ignore=shutil.ignore_patterns("*.candidate", "screenshots"))
    return settings(data_dir=data, mirror=mirror_build.mirror)


# Test files that take longest (the whole Evidence site build and its browser walk, the Spark warehouse): started
# first so that, under pytest-xdist, the other workers work through everything else meanwhile.
LONGEST_FIRST = ("tests/python/reports/test_site.py", "tests/python/spark/")
#: The suite's critical path: the mirror build, then the site build, then the browser pass, one after the other in
#: one worker. Every other worker lowers its own CPU priority (see pytest_runtest_setup) so that this chain runs at
#: nearly the speed it has alone, and the others fill the cores whenever it waits or uses only one of them.
CRITICAL_PATH = ("tests/python/reports/test_site.py",)
#: niceness a worker takes once it runs a test off the critical path (children, e.g. Spark's JVM, inherit it)
OFF_CRITICAL_PATH_NICENESS = 10


def _in(item, prefixes: tuple[str, ...]) -> bool:
    path = item.nodeid.split("::")[0]
    return any(path.startswith(p) or ("tests/python/" + path).startswith(p) for p in prefixes)


def pytest_collection_modifyitems(config, items) -> None:
    """Order: the longest files, then the other slow end-to-end tests, then the quick ones (stable otherwise).
    ``make test`` runs one xdist worker per core plus one with ``--dist loadfile --no-loadscope-reorder``, which
    hand out whole files in this order as workers free up."""
    def rank(item) -> int:
        if _in(item, LONGEST_FIRST):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker per core plus one. The critical-path worker often waits (on the bundler's single
    thread, on Chromium, on the shared mirror build); the extra, lower-priority worker keeps the cores busy then."""
    return (os.cpu_count() or 1) + 1


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    """Under xdist, a worker about to run a test off the critical path lowers its priority once and for good
    (raising niceness needs no privilege; lowering it again would)."""
    if os.environ.get("PYTEST_XDIST_WORKER") and not _in(item, CRITICAL_PATH) and os.nice(0) < OFF_CRITICAL_PATH_NICENESS:
        os.nice(OFF_CRITICAL_PATH_NICENESS - os.nice(0))


def pytest_unconfigure(config) -> None:
    """The controlling process removes the memory watch's report folder once the summary has been printed."""
    import shutil

    folder = os.environ.get(WATCH_DIR)
    if folder and not os.environ.get("PYTEST_XDIST_WORKER") and Path(folder).name.startswith("his-test-watch-"):
        shutil.rmtree(folder, ignore_errors=True)
