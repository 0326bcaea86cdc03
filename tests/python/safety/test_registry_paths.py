"""Paths and identifiers from the registry are confined and quoted (issue 15, case 5): a dataset id that would
escape the data directory is an error naming it and writes nothing outside; key_columns are validated against
the dataset's columns and quoted in gate SQL."""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml

from ingest.config import PROJECT_ROOT, settings
from ingest.errors import HisError
from ingest.sources import stage
from pipeline.quality.suites import unique_key_check


def registry_with(tmp_path, change) -> object:
    reg = tmp_path / "registry"
    reg.mkdir()
    shutil.copyfile(PROJECT_ROOT / "ingest/registry/_areas.yml", reg / "_areas.yml")
    entry = yaml.safe_load((PROJECT_ROOT / "ingest/registry/ons_london_boroughs_boundaries.yml").read_text())
    change(entry)
    (reg / "ons_london_boroughs_boundaries.yml").write_text(yaml.safe_dump(entry))
    return reg


@pytest.mark.parametrize("bad_id", ["../../../../pt_escape", "/tmp/pt_escape_abs"])
def test_a_dataset_id_that_escapes_the_lake_is_refused(tmp_path, mirror_dir, bad_id):
    def change(entry):
        entry["datasets"][0]["id"] = bad_id
    reg = registry_with(tmp_path, change)
    data = tmp_path / "a" / "b" / "c" / "d" / "data"
    cfg = settings(data_dir=data, mirror=mirror_dir)
    with pytest.raises(HisError, match=r"source 'ons_london_boroughs_boundaries' dataset #1: dataset id '.*' must be"):
        stage.run(cfg, registry=reg, staged=True)
    assert not list(tmp_path.rglob("pt_escape*.parquet"))
    assert not (tmp_path.parent / "pt_escape_abs.parquet").exists()


def test_unknown_key_column_is_an_error_naming_it(tmp_path, mirror_dir):
    def change(entry):
        entry["datasets"][0]["key_columns"] = ["area_code", "no_such_column"]
    reg = registry_with(tmp_path, change)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror_dir)
    with pytest.raises(HisError, match=r"key_columns \['no_such_column'\] are not columns of the dataset"):
        stage.run(cfg, registry=reg)


def test_key_columns_are_quoted_in_gate_sql():
    """A column name with a quote, a space and braces: the uniqueness query runs and finds the duplicate."""
    odd = 'area "code" {x}'
    check = unique_key_check([odd])
    query = check.kwargs["unexpected_rows_query"].format(batch="t")
    con = duckdb.connect()
    con.execute(f'create table t ("{odd.replace(chr(34), chr(34) * 2)}" varchar)')
    con.execute("insert into t values ('E09000001'), ('E09000001'), ('E09000002')")
    assert con.execute(query).fetchall() == [("E09000001", 2)]


def test_every_lake_path_is_confined_even_past_the_registry_check(tmp_path):
    """Second layer: a path built from ids is resolved and must stay under its root (symlinks included)."""
    from ingest.sources.lake import confined

    root = tmp_path / "lake"
    (root / "src").mkdir(parents=True)
    (root / "link").symlink_to(tmp_path)
    assert confined(root, "src", "ds.parquet", what="dataset id") == (root / "src/ds.parquet").resolve()
    for parts in (("src", "../../x.parquet"), ("/etc", "x.parquet"), ("link", "x.parquet")):
        with pytest.raises(HisError, match="outside"):
            confined(root, *parts, what="dataset id")
