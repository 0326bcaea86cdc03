"""Formula injection (issue 15, case 7): a publisher string such as ``=HYPERLINK(...)`` reaching a mart is
neutralised in the report's export (the rows its CSV downloads hold); numbers and numeric text are unchanged."""

from __future__ import annotations

import duckdb

from ingest.config import settings
from pipeline.report import export_marts, neutralise

EVIL = '=HYPERLINK("http://evil.example/","Bromley")'


def test_neutralise_follows_owasp():
    for bad in (EVIL, "+1+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    for ok in ("Bromley", "-1.5", "+3", "E09000006", 24.2, -7, None, ""):
        assert neutralise(ok) == ok


def test_export_neutralises_text_cells_only(tmp_path):
    cfg = settings(data_dir=tmp_path / "data", warehouse=tmp_path / "data" / "warehouse.duckdb")
    cfg.warehouse.parent.mkdir(parents=True)
    con = duckdb.connect(str(cfg.warehouse))
    con.execute("create table dim_area (area_code varchar, area_name varchar, note varchar, value double)")
    con.execute("insert into dim_area values ('E09000006', ?, '-0.25', -3.5), ('E09000007', 'Camden', '@x', 1.0)",
                [EVIL])
    con.close()
    export, counts = export_marts(cfg, required=())
    assert counts == {"dim_area": 2}
    con = duckdb.connect(str(export), read_only=True)
    rows = con.execute("select * from dim_area order by area_code").fetchall()
    con.close()
    assert rows == [("E09000006", "'" + EVIL, "-0.25", -3.5), ("E09000007", "Camden", "'@x", 1.0)]
