"""The report stage's own mechanics, without building the site: the marts export (only marts, atomic, a
clear error naming a missing mart), that Evidence's Node DuckDB opens the export Python wrote, the geo
assets for the maps, the static server's range requests, and the error when npm packages are missing.

The tables here hold placeholder rows (a single integer or a tiny square), not data: they exercise the
export, not any figure.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from ingest.config import settings
from ingest.errors import HisError
from pipeline import report

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.51], [-0.1, 51.5]]],
}


def _warehouse(path: Path, marts: tuple[str, ...]) -> None:
    con = duckdb.connect(str(path))
    for name in marts:
        if name == "dim_area_boundary":
            con.execute(
                "create table dim_area_boundary as select 'E09000001' as area_code, 'City of London' as area_name, "
                "? as geometry_geojson",
                [json.dumps(SQUARE)],
            )
        elif name == "fct_quality_check":  # a view, as in the warehouse: it names the warehouse's catalog
            con.execute("create table stg_quality__gate_results as select 1 as placeholder")
            con.execute("create view fct_quality_check as select * from stg_quality__gate_results")
        else:
            con.execute(f"create table {name} as select 1 as placeholder")
    con.execute("create table stg_x__y as select 1 as placeholder")
    con.execute("create schema other")
    con.execute("create table other.int_z_joined as select 1 as placeholder")
    con.close()


@pytest.fixture()
def cfg(tmp_path: Path):
    wh = tmp_path / "warehouse.duckdb"
    _warehouse(wh, report.REQUIRED_MARTS)
    return settings(data_dir=tmp_path / "data", warehouse=wh)


def test_export_holds_only_the_marts(cfg):
    path, counts = report.export_marts(cfg)
    assert path == cfg.data_dir / "reports" / "marts.duckdb"
    assert set(counts) == set(report.REQUIRED_MARTS)
    con = duckdb.connect(str(path), read_only=True)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()
    assert tables == set(report.REQUIRED_MARTS)  # no stg_/int_ table reaches Evidence
    assert not list(path.parent.glob("*.tmp*"))


def test_missing_mart_is_named_and_previous_export_kept(cfg, tmp_path):
    report.export_marts(cfg)
    before = report.export_path(cfg).read_bytes()
    con = duckdb.connect(str(cfg.warehouse))
    con.execute("drop table fct_commitment_progress")
    con.close()
    with pytest.raises(HisError, match="fct_commitment_progress"):
        report.export_marts(cfg)
    assert report.export_path(cfg).read_bytes() == before
    assert not list(report.export_path(cfg).parent.glob("*.tmp*"))


def test_no_warehouse_is_a_clear_error(tmp_path):
    cfg = settings(data_dir=tmp_path / "data", warehouse=tmp_path / "absent.duckdb")
    with pytest.raises(HisError, match="no warehouse"):
        report.export_marts(cfg)


def test_node_duckdb_of_evidence_opens_the_export(cfg, project_root):
    """Python duckdb (pinned 1.4.x) writes the export; @evidence-dev/duckdb's @duckdb/node-api must read it."""
    node_api = project_root / "reports" / "node_modules" / "@duckdb" / "node-api"
    if not node_api.exists():
        pytest.fail("reports/node_modules is missing: run scripts/setup.sh (it installs the npm packages in reports/)")
    path, _ = report.export_marts(cfg)
    script = (
        "const {DuckDBInstance}=require('@duckdb/node-api');"
        "(async()=>{const db=await DuckDBInstance.create(process.argv[1],{access_mode:'READ_ONLY'});"
        "const c=await db.connect();"
        "const r=await c.runAndReadAll('select count(*) as n, version() as v from dim_aim');"
        "console.log(JSON.stringify(r.getRowObjectsJS()[0], (k,v)=>typeof v==='bigint'?Number(v):v));})()"
        ".catch(e=>{console.error(e.message);process.exit(1)})"
    )
    out = subprocess.run(
        ["node", "-e", script, str(path)],
        check=False,
        cwd=project_root / "reports",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)
    assert row["n"] == 1
    assert row["v"].startswith("v1.4")


def test_geo_assets_come_from_the_boundary_mart(cfg, tmp_path):
    root = tmp_path / "project"
    (root / "reports").mkdir(parents=True)
    local = settings(project_root=root, data_dir=cfg.data_dir, warehouse=cfg.warehouse)
    export, _ = report.export_marts(local)
    geo = report.write_geo_assets(local, export)
    data = json.loads(geo.read_text())
    assert data["type"] == "FeatureCollection"
    [feature] = data["features"]
    assert feature["properties"] == {"GSS_CODE": "E09000001", "NAME": "City of London"}
    assert feature["geometry"]["coordinates"][0][0] == [-0.1, 51.5]
    tile = (geo.parent / "blank-tile.png").read_bytes()
    assert tile.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in tile


def test_missing_node_modules_tells_the_user_to_run_setup(tmp_path, cfg):
    root = tmp_path / "project"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "package.json").write_text("{}")
    local = settings(project_root=root, data_dir=cfg.data_dir, warehouse=cfg.warehouse)
    with pytest.raises(HisError, match="scripts/setup.sh"):
        report.build_site(local)


def test_server_serves_ranges_and_wasm_type(tmp_path):
    (tmp_path / "index.html").write_text("<p>hi</p>")
    (tmp_path / "data.parquet").write_bytes(bytes(range(100)))
    (tmp_path / "x.wasm").write_bytes(b"\x00asm")
    server = report.make_server(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        req = urllib.request.Request(base + "/data.parquet", headers={"Range": "bytes=10-19"})
        with urllib.request.urlopen(req) as resp:
            assert resp.status == 206
            assert resp.headers["Content-Range"] == "bytes 10-19/100"
            assert resp.read() == bytes(range(10, 20))
        req = urllib.request.Request(base + "/data.parquet", headers={"Range": "bytes=-5"})
        with urllib.request.urlopen(req) as resp:
            assert resp.read() == bytes(range(95, 100))
        with urllib.request.urlopen(base + "/data.parquet") as resp:
            assert resp.status == 200 and resp.headers["Accept-Ranges"] == "bytes"
            assert len(resp.read()) == 100
        with urllib.request.urlopen(base + "/x.wasm") as resp:
            assert resp.headers["Content-Type"] == "application/wasm"
        with urllib.request.urlopen(base + "/") as resp:
            assert b"hi" in resp.read()
    finally:
        server.shutdown()
        server.server_close()


def test_server_refuses_a_symlink_planted_in_the_site_that_leads_outside_it(tmp_path):
    """Issue 26 (minor): a symlink planted in the build folder made the server send any file it pointed at."""
    site, outside = tmp_path / "site", tmp_path / "secret"
    (site / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "key.txt").write_text("not for the web")
    (site / "index.html").write_text("<p>hi</p>")
    (site / "sub" / "page.html").write_text("<p>page</p>")
    (site / "leak.txt").symlink_to(outside / "key.txt")
    (site / "leakdir").symlink_to(outside, target_is_directory=True)
    (site / "alias.html").symlink_to(site / "sub" / "page.html")  # a link that stays inside the site is fine
    server = report.make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for path, headers in (("/leak.txt", {}), ("/leak.txt", {"Range": "bytes=0-3"}), ("/leakdir/key.txt", {}),
                              ("/leakdir/", {})):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(urllib.request.Request(base + path, headers=headers))
            assert err.value.code == 404, path
        with urllib.request.urlopen(base + "/alias.html") as resp:
            assert resp.read() == b"<p>page</p>"
    finally:
        server.shutdown()
        server.server_close()


def test_npm_is_required(monkeypatch, tmp_path, cfg):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(HisError, match="npm is not on PATH"):
        report._npm(cfg, "sources")


@pytest.fixture()
def fake_project(tmp_path, cfg, monkeypatch):
    """A reports/ folder with one page and a stand-in for Evidence (``_npm`` writes build/index.html and counts
    its runs), so the stage's skip logic runs for real without a two-minute Evidence build."""
    root = tmp_path / "project"
    reports_dir = root / "reports"
    (reports_dir / "pages").mkdir(parents=True)
    (reports_dir / "sources" / "warehouse").mkdir(parents=True)
    (reports_dir / "node_modules" / "@evidence-dev" / "evidence").mkdir(parents=True)
    (reports_dir / "package.json").write_text("{}")
    (reports_dir / "pages" / "index.md").write_text("# Home\n")
    runs: list[str] = []

    def fake_npm(local, script):
        runs.append(script)
        if script == "build:strict":
            (local.reports_dir / "build").mkdir(exist_ok=True)
            (local.reports_dir / "build" / "index.html").write_text("<p>site</p>")

    monkeypatch.setattr(report, "_npm", fake_npm)
    return settings(project_root=root, data_dir=cfg.data_dir, warehouse=cfg.warehouse), runs


def test_unchanged_inputs_keep_the_site_and_any_change_rebuilds_it(fake_project):
    local, runs = fake_project
    first = report.build_site(local)
    assert not first["unchanged"] and runs == ["sources", "build:strict"]
    again = report.build_site(local)
    assert again["unchanged"] and runs == ["sources", "build:strict"]  # Evidence not run again
    # a page changed: rebuilt
    (local.reports_dir / "pages" / "index.md").write_text("# Home, reworded\n")
    assert not report.build_site(local)["unchanged"] and len(runs) == 4
    assert report.build_site(local)["unchanged"]
    # a mart's rows changed: rebuilt
    con = duckdb.connect(str(local.warehouse))
    con.execute("insert into dim_aim values (2)")
    con.close()
    assert not report.build_site(local)["unchanged"] and len(runs) == 6
    # forced (`his report` alone): rebuilt although nothing changed
    assert not report.build_site(local, force=True)["unchanged"] and len(runs) == 8


def test_marts_signature_sees_a_changed_value_not_row_order(cfg):
    path, _ = report.export_marts(cfg)
    before = report.marts_signature(path)

    def change(sql: str) -> dict[str, str]:
        con = duckdb.connect(str(path))
        con.execute(sql)
        con.close()
        return report.marts_signature(path)

    with_rows = change("insert into dim_aim values (5), (6)")
    reordered = change("create or replace table dim_aim as select * from dim_aim order by placeholder desc")
    changed = change("update dim_aim set placeholder = 7 where placeholder = 6")
    assert with_rows["dim_aim"] != before["dim_aim"] and with_rows["dim_commitment"] == before["dim_commitment"]
    assert reordered == with_rows
    assert changed["dim_aim"] != with_rows["dim_aim"]


def test_a_new_run_stamp_on_the_same_results_keeps_the_signature(tmp_path):
    """A re-run of the checks writes the same results under a new run id and time: the site need not rebuild
    the same day; a changed result, or a new day, changes the signature."""
    path = tmp_path / "marts.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table fct_quality_check as select 'r1' as run_id, timestamp '2026-11-30 02:07:00' as run_at, "
                "'row_count' as check_name, true as success, true as is_latest_run")
    con.close()
    first = report.marts_signature(path)

    def rewrite(sql: str) -> dict[str, str]:
        con = duckdb.connect(str(path))
        con.execute(sql)
        con.close()
        return report.marts_signature(path)

    assert rewrite("update fct_quality_check set run_id = 'r2', run_at = timestamp '2026-11-30 09:41:00'") == first
    # the next build appends its run to the history: the previous run is no longer the latest
    assert rewrite("update fct_quality_check set is_latest_run = false; insert into fct_quality_check "
                   "select 'r3', timestamp '2026-11-30 10:00:00', 'row_count', true, true") == first
    assert rewrite("delete from fct_quality_check where run_id = 'r3'; "
                   "update fct_quality_check set is_latest_run = true") == first
    assert rewrite("update fct_quality_check set run_at = timestamp '2026-12-01 00:01:00'") != first
    assert rewrite("update fct_quality_check set run_at = timestamp '2026-11-30 02:07:00', success = false") != first
