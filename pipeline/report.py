"""The ``report`` stage: build the Evidence site (``reports/``) from a read-only snapshot of the marts.

Steps, each streamed to stderr:

1. Export: copy every mart (tables and views named ``dim_*`` / ``fct_*``) from the warehouse into a
   dedicated DuckDB file, ``<data>/reports/marts.duckdb`` (temp file, then atomic rename). Evidence
   never opens the warehouse itself, so it can neither lock it nor read non-mart tables. Python duckdb
   1.4.x writes it; Evidence's Node DuckDB (``@duckdb/node-api`` 1.4.2 inside
   ``@evidence-dev/duckdb`` 2.0.1) opens it read-only (tested in tests/python/reports/).
2. Link: ``reports/sources/warehouse/marts.duckdb`` (git-ignored) is pointed at that export, because
   Evidence resolves ``connection.yaml`` filenames relative to the source folder.
3. Maps: ``reports/static/geo/`` (git-ignored) gets the boroughs' GeoJSON, written from mart
   ``dim_area_boundary``, and a blank background tile, so the maps fetch nothing from the internet.
4. ``npm run sources`` (Evidence runs each ``sources/warehouse/*.sql`` and stores Parquet) and
   ``npm run build:strict`` (fails on any query or component error). The static site lands in
   ``reports/build/`` (:func:`site_dir`).

``his report --serve`` serves the built site on http://127.0.0.1:<port>/ (building it first when
there is none) until interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from ingest.config import Settings
from ingest.errors import HisError
from ingest.progress import capturing, log, progress
from pipeline.context import BuildContext

PAGES_DIR = Path(__file__).resolve().parent.parent / "reports" / "pages"
#: Marts the report builder itself reads (the boroughs' GeoJSON for the maps), beside those the pages query.
BUILDER_MARTS: tuple[str, ...] = ("dim_area_boundary",)


def marts_read_by_page(page: Path, pages_dir: Path = PAGES_DIR) -> tuple[str, ...]:
    """The marts one page queries (``warehouse.<mart>`` in its SQL), with those of the partials it includes
    (``{@partial "x.md"}``, from ``reports/partials/``)."""
    text = page.read_text(encoding="utf-8")
    partials = pages_dir.parent / "partials"
    for name in re.findall(r'\{@partial\s+"([^"]+)"\s*\}', text):
        if (partials / name).exists():
            text += (partials / name).read_text(encoding="utf-8")
    return tuple(sorted(set(re.findall(r"\bwarehouse\.([a-z_][a-z0-9_]*)", text))))


def page_url(page: Path, pages_dir: Path = PAGES_DIR) -> str:
    """The URL path of a page: ``index.md`` -> ``/``, ``indicators/[indicator_id].md`` -> ``/indicators/[indicator_id]/``."""
    rel = page.relative_to(pages_dir).with_suffix("").as_posix()
    rel = rel[: -len("index")] if rel == "index" or rel.endswith("/index") else rel + "/"
    return "/" + rel


def marts_read_by_pages(pages_dir: Path = PAGES_DIR) -> tuple[str, ...]:
    """Every mart a page queries: the one list of what the site reads, taken from the pages themselves so it
    cannot drift from them."""
    found: set[str] = set()
    for page in sorted(pages_dir.rglob("*.md")):
        found.update(marts_read_by_page(page, pages_dir))
    return tuple(sorted(found))


EXPOSURES_PATH = Path("models") / "exposures" / "_report_pages__exposures.yml"
EXPOSURES_HEADER = "generated from the report pages (reports/pages/) by `his generate`: do not edit"


def exposure_name(page: Path, pages_dir: Path = PAGES_DIR) -> str:
    """A dbt exposure name for a page: ``report_`` + its URL path as an identifier (``report_home`` for ``/``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", page_url(page, pages_dir).lower()).strip("_")
    return "report_" + (slug or "home")


def exposures_yml(pages_dir: Path = PAGES_DIR) -> str:
    """The dbt exposures of the report: one per page (type dashboard, its URL path, the marts it reads, an
    owner), so ``dbt docs`` shows which pages a model change reaches."""
    lines = [f"# {EXPOSURES_HEADER}", "version: 2", "", "exposures:"]
    for page in sorted(pages_dir.rglob("*.md")):
        title = re.search(r"^title:\s*(.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
        url = page_url(page, pages_dir)
        label = title.group(1).strip().strip('"') if title else url
        lines += [
            f"  - name: {exposure_name(page, pages_dir)}",
            f"    label: {json.dumps('Report page ' + label)}",
            "    type: dashboard",
            f"    url: {json.dumps(url)}",
            f"    description: {json.dumps(f'The Evidence page reports/pages/{page.relative_to(pages_dir).as_posix()}, built by `his report`.')}",
            "    maturity: medium",
            "    owner:",
            "      name: London health inequalities reports",
            "    depends_on:",
        ]
        lines += [f"      - ref('{m}')" for m in marts_read_by_page(page, pages_dir)]
    return "\n".join(lines) + "\n"


#: The marts the site needs: a missing one is an error naming it (the pages would fail to build).
REQUIRED_MARTS: tuple[str, ...] = tuple(sorted({*marts_read_by_pages(), *BUILDER_MARTS}))
SOURCE_NAME = "warehouse"  # the Evidence source folder: pages query `warehouse.<mart>`
DEFAULT_PORT = 3000


def export_path(cfg: Settings) -> Path:
    """The read-only snapshot of the marts that Evidence reads."""
    return cfg.data_dir / "reports" / "marts.duckdb"


def site_dir(cfg: Settings) -> Path:
    """Where the built static site lands."""
    return cfg.reports_dir / "build"


def _mart_names(con: Any, warehouse: Path, alias: str) -> dict[str, str]:
    """Marts in the attached warehouse: name -> schema (dim_/fct_ tables and views)."""
    rows = con.execute(
        """
        select table_schema, table_name from information_schema.tables
        where table_catalog = ?
          and (table_name like 'dim\\_%' escape '\\' or table_name like 'fct\\_%' escape '\\')
        order by table_schema, table_name
        """,
        [alias],
    ).fetchall()
    found: dict[str, str] = {}
    for schema, name in rows:
        if name in found:
            raise HisError(
                f"mart {name} exists in two schemas of {warehouse} ({found[name]} and {schema}); "
                "the report cannot tell which to read"
            )
        found[name] = schema
    return found


def export_marts(cfg: Settings, required: tuple[str, ...] = REQUIRED_MARTS) -> tuple[Path, dict[str, int]]:
    """Copy the marts into :func:`export_path` atomically; return the path and rows per mart.

    Every text cell is neutralised for spreadsheets (:func:`neutralise`): the report's tables offer CSV
    downloads of exactly these rows, and publisher strings (e.g. a borough name) reach them."""
    import duckdb

    if not cfg.warehouse.exists():
        raise HisError(f"no warehouse at {cfg.warehouse}: run `his build` (or `his dbt`) before `his report`")
    target = export_path(cfg)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    for path in (tmp, Path(str(tmp) + ".wal")):
        path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    alias = cfg.warehouse.name.split(".")[0] or "wh"
    if alias == target.name.split(".")[0]:
        raise HisError(f"the warehouse file {cfg.warehouse} must not be named like the export {target.name}")
    try:
        con = duckdb.connect(str(tmp))
        try:
            try:
                # Views in the warehouse name its catalog (the file name up to the first dot): attach it
                # under that name so they resolve.
                con.execute(f"attach '{cfg.warehouse}' as \"{alias}\" (read_only)")
            except duckdb.Error as exc:
                raise HisError(f"cannot open the warehouse {cfg.warehouse} read-only: {exc}") from exc
            marts = _mart_names(con, cfg.warehouse, alias)
            missing = [m for m in required if m not in marts]
            if missing:
                raise HisError(
                    f"the warehouse {cfg.warehouse} lacks mart(s) the reports read: {', '.join(missing)}. "
                    "Run `his build` (or `his dbt`) so every mart exists."
                )
            for name, schema in marts.items():
                try:
                    source = f'"{alias}"."{schema}"."{name}"'
                    cols = con.execute(f"describe select * from {source}").fetchall()
                    select = ", ".join(neutralise_sql(c[0]) if c[1] == "VARCHAR" else _ident(c[0]) for c in cols)
                    con.execute(f'create table main."{name}" as select {select} from {source}')
                except duckdb.Error as exc:
                    raise HisError(f"cannot export mart {schema}.{name} from {cfg.warehouse}: {exc}") from exc
                counts[name] = con.execute(f'select count(*) from main."{name}"').fetchone()[0]
            con.execute(f'detach "{alias}"')
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        for path in (tmp, Path(str(tmp) + ".wal")):
            path.unlink(missing_ok=True)
    return target, counts


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` (OWASP); numbers, text that
    reads as a number (``-1.5``) and other text are returned unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def neutralise_sql(column: str) -> str:
    """DuckDB expression applying :func:`neutralise` to a VARCHAR column (kept under its name)."""
    c = _ident(column)
    return (f"case when left({c}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) and try_cast({c} as double) is null "
            f"then chr(39) || {c} else {c} end as {c}")


def _round_coords(value: Any, digits: int = 5) -> Any:
    """Round nested coordinate lists (5 decimals of a degree is about 1 m): halves the file size."""
    if isinstance(value, list):
        return [_round_coords(v, digits) for v in value]
    if isinstance(value, float):
        return round(value, digits)
    return value


def _blank_png(size: int = 256) -> bytes:
    """A plain white PNG tile: the maps' background, so Leaflet never asks a tile server."""
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_geo_assets(cfg: Settings, export: Path) -> Path:
    """Write ``reports/static/geo/`` (git-ignored): the boroughs' GeoJSON from mart dim_area_boundary and a
    blank background tile. Returns the GeoJSON path."""
    import duckdb

    con = duckdb.connect(str(export), read_only=True)
    try:
        rows = con.execute(
            "select area_code, area_name, geometry_geojson from dim_area_boundary order by area_code"
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise HisError("mart dim_area_boundary is empty: the borough maps need the London boundaries source")
    features = []
    for code, name, geometry in rows:
        try:
            geom = json.loads(geometry)
        except (TypeError, json.JSONDecodeError) as exc:
            raise HisError(f"dim_area_boundary: geometry of {code} is not valid GeoJSON: {exc}") from exc
        geom["coordinates"] = _round_coords(geom.get("coordinates"))
        features.append({"type": "Feature", "properties": {"GSS_CODE": code, "NAME": name}, "geometry": geom})
    geo_dir = cfg.reports_dir / "static" / "geo"
    target = geo_dir / "london_boroughs.geojson"
    collection = {"type": "FeatureCollection", "features": features}
    _write_atomic(target, json.dumps(collection, separators=(",", ":")).encode())
    _write_atomic(geo_dir / "blank-tile.png", _blank_png())
    return target


def link_export(cfg: Settings, export: Path) -> Path:
    """Point ``reports/sources/warehouse/marts.duckdb`` at the export (symlink; copy where links fail)."""
    link = cfg.reports_dir / "sources" / SOURCE_NAME / "marts.duckdb"
    tmp = link.with_name(".marts.duckdb.tmp")
    tmp.unlink(missing_ok=True)
    try:
        tmp.symlink_to(export.resolve())
    except OSError:
        shutil.copy2(export, tmp)
    os.replace(tmp, link)
    return link


def _quiet_log(message: str) -> None:
    """Write a line to the stage log only (when captured), whatever words it holds."""
    if capturing():
        from ingest import progress as _p

        assert _p._sink is not None
        _p._sink.write(message + "\n")
        _p._sink.flush()
    else:
        log(message)


def _prerendered(cfg: Settings) -> Path:
    return cfg.reports_dir / ".evidence" / "template" / ".svelte-kit" / "output" / "prerendered" / "pages"


def _count_pages(cfg: Settings, stop: threading.Event) -> None:
    """While Evidence builds, show how many pages it has prerendered so far (a counter on a terminal)."""
    while not stop.wait(2.0):
        folder = _prerendered(cfg)
        try:
            count = sum(1 for _ in folder.rglob("index.html")) if folder.exists() else None
        except OSError:  # Evidence removed or moved a folder while it was being counted: count again next time
            continue
        if count is not None:
            progress("pages rendered", count)


#: Where the steps of ``evidence build`` start and end, read from its output (``build_phases``): the Evidence CLI
#: copies its template and starts vite, which bundles the server code (and analyses the routes), then the client
#: code (a second vite build), then SvelteKit prerenders every page in a child process, then builds the service
#: worker (a third, tiny vite build), writes the site (adapter-static) and the CLI copies it to reports/build.
BUILD_MARKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("server bundle", re.compile(r"building SSR bundle for production")),
    ("client bundle", re.compile(r"building for production")),
    ("prerender", re.compile(r"built in ")),
    ("service worker, write site", re.compile(r"building for production|built in ")),
)


#: error lines of a failed Evidence command kept for its message (the first 15 are shown; all are in the stage log)
MAX_ERROR_LINES = 200


def build_phases(lines: list[tuple[float, str]], end: float, start: float = 0.0) -> dict[str, float]:
    """Seconds per step of ``evidence build`` from its output lines, each with the time it was read (seconds,
    any clock), the process's start and end on the same clock (:data:`BUILD_MARKS`). The steps are
    ``evidence setup`` (npm, the CLI copying its template, vite starting), ``server bundle`` (with SvelteKit's
    analysis of the routes), ``client bundle``, ``prerender`` (every page rendered, its queries run) and
    ``service worker, write site`` (to the end, the copy to reports/build included). A step whose start was
    not seen is left out and its time counts in the step before it."""
    phases: dict[str, float] = {}
    name, since, marks = "evidence setup", start, list(BUILD_MARKS)
    for at, line in lines:
        if marks and marks[0][1].search(line):
            phases[name] = at - since
            name, since = marks.pop(0)[0], at
    phases[name] = end - since
    return phases


def _npm(cfg: Settings, script: str) -> dict[str, float]:
    """Run ``npm run <script>`` in reports/, streaming its output to the stage log; HisError on failure. Returns
    seconds per step (:func:`build_phases`; for ``sources`` all of it is ``evidence setup``)."""
    npm = shutil.which("npm")
    if npm is None:
        raise HisError("npm is not on PATH: install Node 20 and npm, then run scripts/setup.sh")
    env = dict(os.environ)
    # A larger young generation: the bundler allocates many short-lived objects, and with node's default
    # semi-space it spends seconds in scavenges (client bundle 34 s -> 29 s on 2 cores, 2026-11-30).
    env.setdefault("NODE_OPTIONS", "--max-old-space-size=4096 --max-semi-space-size=64")
    env["EVIDENCE_DISABLE_TELEMETRY"] = "1"
    log(f"  $ npm run {script}   (in {cfg.reports_dir})")
    proc = subprocess.Popen(
        [npm, "run", script],
        cwd=cfg.reports_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    # Only bounded state is kept from the tool's output (it all goes to the stage log): a tool looping on an error
    # must not grow this process's memory with it.
    tail: list[str] = []
    errors: list[str] = []  # at most MAX_ERROR_LINES
    started = time.perf_counter()
    timed: list[tuple[float, str]] = []  # the lines build_phases reads (BUILD_MARKS), with the time each was read
    keep = 0  # lines still to keep after an error line (the message usually follows it)
    stop = threading.Event()
    counter = threading.Thread(target=_count_pages, args=(cfg, stop), daemon=True)
    if script.startswith("build"):
        counter.start()
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            line = line.rstrip()
            if not line:
                continue
            # The tools' full output goes to the stage log (the console when no stage log is open); an error line
            # of theirs is not a failure of ours unless the command fails, so it is written quietly.
            _quiet_log(f"  | {line}")
            tail = (tail + [line])[-8:]
            if len(timed) < len(BUILD_MARKS) * 4 and any(mark.search(line) for _, mark in BUILD_MARKS):
                timed.append((time.perf_counter(), line))
            if line.lstrip().startswith("at ") or len(errors) >= MAX_ERROR_LINES:
                continue
            if "error" in line.lower():
                errors.append(line)
                keep = 3
            elif keep:
                errors.append(line)
                keep -= 1
    finally:
        stop.set()
        if counter.is_alive():
            counter.join()
    if proc.wait() != 0:
        generic = ("error during build", "build failed", "exited with code")
        # Prefer the tool's own "Error: ..." line; then any specific line (not the generic wrap-up lines).
        specific = [e for e in errors if e.lstrip().startswith("Error")] or \
            [e for e in errors if not any(g in e.lower() for g in generic)]
        headline = specific[0] if specific else (errors[0] if errors else f"exit {proc.returncode}")
        raise HisError(
            f"Evidence `npm run {script}` failed in {cfg.reports_dir}: {headline}\n"
            "Error lines:\n" + "\n".join(errors[:15]) + "\nLast output:\n" + "\n".join(tail)
        )
    return build_phases(timed, time.perf_counter(), started) if script.startswith("build") else \
        {"evidence setup": time.perf_counter() - started}


# --- "nothing changed": what the built site was made from --------------------------------------------------
# The site is a function of the marts' rows, the Evidence project's own files and this module. When none of
# them changed since the site in reports/build/ was built, Evidence would rebuild the same pages (minutes on
# 2 cores), so the stage keeps the site (docs/reports.md).
REPORT_INPUTS = ("pages", "partials", "components", "sources", "patches", "package.json", "package-lock.json",
                 "evidence.config.yaml", "evidence.plugins.yaml", "evidence.settings.json")


def site_state_path(cfg: Settings) -> Path:
    """Where the fingerprint of the built site's inputs is kept (beside the site, git-ignored)."""
    return cfg.reports_dir / "build.inputs.json"


#: Bookkeeping columns that change on every run without the figures changing (a gate run's id).
VOLATILE_COLUMNS = frozenset({"run_id"})


def marts_signature(export: Path) -> dict[str, str]:
    """Per mart of the export: its row count and an order-independent hash of its rows (DuckDB ``hash``).

    Each build re-runs the checks and re-reads availability, which stamps new run ids and times on unchanged
    results (and appends them to the history of runs, of which only the latest counts); so run ids are left
    out and timestamps count by their day (the pages show dates, not times):
    an unchanged build keeps the site, and the next day's first build refreshes its dates."""
    import duckdb

    con = duckdb.connect(str(export), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables order by table_name").fetchall()]
        out = {}
        for name in names:
            cols = con.execute(f"describe select * from {_ident(name)}").fetchall()
            select = ", ".join(
                f"cast({_ident(c)} as date) as {_ident(c)}" if t.startswith("TIMESTAMP") else _ident(c)
                for c, t, *_ in cols if c not in VOLATILE_COLUMNS
            ) or "1 as empty"
            # A history mart (the quality results of every run) counts by its latest run, which is what the pages
            # show: each build appends a run of unchanged results.
            latest = " where is_latest_run" if any(c == "is_latest_run" for c, *_ in cols) else ""
            n, h = con.execute(
                f"select count(*), coalesce(sum(hash(t)), 0) from (select {select} from {_ident(name)}{latest}) as t"
            ).fetchone()
            out[name] = f"{n}:{h}"
        return out
    finally:
        con.close()


def site_fingerprint(cfg: Settings, export: Path) -> str:
    """sha256 over the marts' rows (:func:`marts_signature`), the Evidence project's files (pages, partials,
    source queries, config, pinned packages and our patches to them), the installed Evidence version and this module's code."""
    h = hashlib.sha256(json.dumps(marts_signature(export), sort_keys=True).encode())
    for rel in REPORT_INPUTS:
        root = cfg.reports_dir / rel
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if not path.exists() or path.name.startswith(".") or path.suffix in {".duckdb", ".tmp", ".parquet"} \
                    or ".evidence" in path.parts:
                continue
            h.update(path.relative_to(cfg.reports_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    evidence_pkg = cfg.reports_dir / "node_modules" / "@evidence-dev" / "evidence" / "package.json"
    if evidence_pkg.exists():
        h.update(evidence_pkg.read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def fresh_site(site: Path) -> Iterator[None]:
    """Build the site into an empty folder. Evidence copies its output over ``reports/build`` without emptying
    it, so files of earlier builds (old query results, old bundles) would stay in the published site. The last
    good site is kept aside as ``build.previous`` meanwhile: removed when the build succeeds, put back when it
    fails (nothing lost; half a site is never left to serve)."""
    previous = site.with_name(site.name + ".previous")
    if previous.exists() and not (site / "index.html").exists():
        # A build killed before it could clean up: the site kept aside is the last good one.
        shutil.rmtree(site, ignore_errors=True)
        previous.rename(site)
    shutil.rmtree(previous, ignore_errors=True)
    if site.exists():
        site.rename(previous)
    try:
        yield
    except BaseException:
        shutil.rmtree(site, ignore_errors=True)  # half a site is never served
        if previous.exists():
            previous.rename(site)
        raise
    shutil.rmtree(previous, ignore_errors=True)


#: Output of the last build inside Evidence's working copy (``reports/.evidence/template``) that its CLI deletes,
#: file by file and before vite starts, on every build (``populateTemplate``: ~8,000 files, ~220 MB).
STALE_BUILD_OUTPUT = (".svelte-kit", "build", ".evidence-queries/cache")


@contextlib.contextmanager
def stale_output_removed(reports_dir: Path) -> Iterator[None]:
    """Move the last build's output (:data:`STALE_BUILD_OUTPUT`) out of Evidence's way (a rename on the same
    disk) and delete it in a background thread while Evidence builds, instead of Evidence deleting it before it
    starts (3-15 s on the shared machine, measured 2026-12-05). Leftovers of a stage that was killed
    (``.evidence/stale-*``) go too. The folders are outputs Evidence would delete anyway: nothing it reads."""
    evidence = reports_dir / ".evidence"
    trash = evidence / f"stale-{os.getpid()}-{time.monotonic_ns()}"
    for rel in STALE_BUILD_OUTPUT:
        source = evidence / "template" / rel
        if source.is_dir():
            trash.mkdir(parents=True, exist_ok=True)
            source.rename(trash / rel.replace("/", "_"))
    stale = sorted(evidence.glob("stale-*")) if evidence.is_dir() else []
    remover = threading.Thread(target=lambda: [shutil.rmtree(p, ignore_errors=True) for p in stale], daemon=True)
    remover.start()
    try:
        yield
    finally:
        remover.join()


def build_site(cfg: Settings, force: bool = False) -> dict[str, Any]:
    """Export, link, run Evidence's sources and strict build; skip Evidence when the site already built
    matches the inputs (:func:`site_fingerprint`) unless ``force``. Returns figures for the summary."""
    if not (cfg.reports_dir / "package.json").exists():
        raise HisError(f"no Evidence project at {cfg.reports_dir} (package.json missing)")
    if not (cfg.reports_dir / "node_modules" / "@evidence-dev" / "evidence").exists():
        raise HisError(
            f"Evidence is not installed in {cfg.reports_dir / 'node_modules'}: run scripts/setup.sh "
            "(it installs the npm packages reports/package-lock.json pins)"
        )
    t0 = time.perf_counter()
    export, counts = export_marts(cfg)
    log(f"  exported {len(counts)} marts ({sum(counts.values())} rows) to {export}")
    fingerprint = site_fingerprint(cfg, export)
    state_path = site_state_path(cfg)
    site = site_dir(cfg)
    try:
        recorded = json.loads(state_path.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        recorded = None
    if not force and recorded == fingerprint and (site / "index.html").exists():
        link_export(cfg, export)  # `his report --serve` and the tests read the export through the link
        return {"site": site, "pages": sum(1 for _ in site.rglob("index.html")), "marts": len(counts),
                "bytes": sum(p.stat().st_size for p in site.rglob("*") if p.is_file()),
                "seconds": time.perf_counter() - t0, "unchanged": True}
    state_path.unlink(missing_ok=True)  # a failed build leaves no stale fingerprint
    link_export(cfg, export)
    geo = write_geo_assets(cfg, export)
    log(f"  wrote {geo} ({geo.stat().st_size / 1e6:.1f} MB) for the borough maps")
    phases = {"export": time.perf_counter() - t0}
    t1 = time.perf_counter()
    _npm(cfg, "sources")
    phases["sources"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    with fresh_site(site), stale_output_removed(cfg.reports_dir):
        steps = _npm(cfg, "build:strict") or {}
        if not (site / "index.html").exists():
            raise HisError(f"Evidence finished but {site / 'index.html'} is missing")
    phases["build"] = time.perf_counter() - t1
    phases.update(steps)  # where the build's time went (build_phases)
    _write_atomic(state_path, json.dumps({"fingerprint": fingerprint}).encode())
    pages = sum(1 for _ in site.rglob("index.html"))
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    return {
        "site": site,
        "pages": pages,
        "bytes": size,
        "marts": len(counts),
        "seconds": time.perf_counter() - t0,
        "unchanged": False,
        "phases": phases,
    }


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types the site needs and single-range requests (DuckDB-WASM reads
    Parquet by HTTP range; without ranges it warns and downloads whole files)."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".arrow": "application/vnd.apache.arrow.file",
        ".parquet": "application/vnd.apache.parquet",
    }
    _range: tuple[int, int] | None = None

    def send_head(self):  # type: ignore[override]
        self._range = None
        header = self.headers.get("Range", "")
        path = Path(self.translate_path(self.path))
        if not self._inside_site(path):
            # a symlink planted in the build folder (or a link the build left) pointing elsewhere on the disk:
            # the server only ever sends files that really are in the site folder
            self.send_error(404, "File not found")
            return None
        if not header.startswith("bytes=") or "," in header or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, _, last = header[len("bytes=") :].partition("-")
        try:
            if first:
                start, end = int(first), int(last) if last else size - 1
            else:  # suffix range: the last N bytes
                start, end = max(size - int(last), 0), size - 1
        except ValueError:
            return super().send_head()
        end = min(end, size - 1)
        if start > end or start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        f = open(path, "rb")  # noqa: SIM115 - closed by copyfile's caller in the base class
        f.seek(start)
        self._range = (start, end)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return f

    def _inside_site(self, path: Path) -> bool:
        """Whether ``path``, symlinks resolved, is the site folder or inside it."""
        root = Path(self.directory).resolve()
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            return False
        return real == root or real.is_relative_to(root)

    def copyfile(self, source, outputfile):  # type: ignore[override]
        if self._range is None:
            return super().copyfile(source, outputfile)
        remaining = self._range[1] - self._range[0] + 1
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)
        return None

    def end_headers(self) -> None:
        if self._range is None and self.command in ("GET", "HEAD"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("HIS_SERVE_LOG"):
            super().log_message(format, *args)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Browsers drop connections mid-body (the Arrow reader stops at end-of-stream): not a server error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(
    site: Path, port: int = DEFAULT_PORT, host: str = "127.0.0.1"
) -> http.server.ThreadingHTTPServer:
    """A static file server for the built site (port 0 picks a free port)."""
    handler = functools.partial(_SiteHandler, directory=str(site))
    return _QuietServer((host, port), handler)


def serve(cfg: Settings, port: int = DEFAULT_PORT) -> None:
    site = site_dir(cfg)
    try:
        server = make_server(site, port)
    except OSError as exc:
        raise HisError(f"cannot serve on 127.0.0.1:{port}: {exc}; choose another with --port") from exc
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    log(f"serving {site} at {url}  (Ctrl-C stops)")
    print(url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.server_close()


def run(ctx: BuildContext) -> str:
    """Build the site; with ``--serve``, serve it (building first only when none is built)."""
    cfg = ctx.settings
    want_serve = ctx.options.serve
    port = ctx.options.port or DEFAULT_PORT
    if want_serve and (site_dir(cfg) / "index.html").exists():
        log(f"serving the site already built in {site_dir(cfg)}; `his report` rebuilds it")
        ctx.release_writer_lock()  # serving only reads: other commands may write the data directory meanwhile
        serve(cfg, port)
        return "served"
    figures = build_site(cfg, force=ctx.options.command == "report")
    summary = (
        f"{figures['pages']} pages, {figures['bytes'] / 1e6:.0f} MB in {figures['site']} "
        f"from {figures['marts']} marts ({figures['seconds']:.0f}s)"
    )
    if figures["unchanged"]:
        summary = f"marts, pages and report inputs unchanged since the site was built: kept {summary}"
    else:
        # where the time went (docs/reports.md, "Build time")
        phases = figures["phases"]
        parts = [f"{name} {phases[name]:.0f}s" for name in (
            "export", "sources", "evidence setup", "server bundle", "client bundle", "prerender",
            "service worker, write site") if name in phases]
        if "prerender" in phases and figures["pages"]:
            parts.append(f"{phases['prerender'] / figures['pages']:.2f}s per page prerendered")
        summary += ": " + ", ".join(parts)
    if want_serve:
        log(summary)
        ctx.release_writer_lock()
        serve(cfg, port)
    return summary
