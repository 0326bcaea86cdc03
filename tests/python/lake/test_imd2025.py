"""English Indices of Deprivation 2025 (mhclg_imd2025): the real mirrored file (Trafford Data Lab's tidy CSV of
MHCLG's File 10) pivoted by the spreadsheet format's ``pivot`` option to one row per district, checked against
facts computed from the same file; broken copies of it fail clearly and leave the lake as it was."""

from __future__ import annotations

import csv
import shutil

import polars as pl
import pytest

from ingest.config import settings
from ingest.errors import HisError
from ingest.sources import stage
from ingest.sources.conform import LONDON_BOROUGHS

from .conftest import lake_frame
from .helpers import lake_fingerprint

SOURCE, DATASET = "mhclg_imd2025", "imd2025_lad"
FILE = "indices_of_deprivation_2025_lad.csv"
PREFIXES = {
    "Index of Multiple Deprivation": "imd",
    "Income Deprivation": "income",
    "Employment Deprivation": "employment",
    "Education, Skills and Training Deprivation": "education",
    "Health Deprivation and Disability": "health",
    "Crime": "crime",
    "Barriers to Housing and Services": "barriers",
    "Living Environment Deprivation": "living_environment",
    "Income Deprivation Affecting Children": "idaci",
    "Income Deprivation Affecting Older People": "idaopi",
}
MEASURES = {  # lake suffix -> column of the republished CSV
    "average_rank": "average_rank",
    "rank_of_average_rank": "rank_average_rank",
    "average_score": "average_score",
    "rank_of_average_score": "rank_average_score",
    "proportion_lsoas_most_deprived_10pct": "proportion_bottom_decile",
    "rank_of_proportion_lsoas_most_deprived_10pct": "rank_proportion_bottom_decile",
}


@pytest.fixture(scope="module")
def raw_rows(mirror_dir):
    with (mirror_dir / SOURCE / FILE).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def imd(tmp_path_factory, mirror_dir):
    cfg = settings(data_dir=tmp_path_factory.mktemp("imd2025") / "data", mirror=mirror_dir)
    stage.run(cfg, sources=[SOURCE])
    return lake_frame(cfg, SOURCE, DATASET)


def test_one_row_per_district_with_ten_indices(imd, raw_rows):
    districts = {r["area_code"] for r in raw_rows}
    assert len(districts) == 296 and imd.height == 296
    assert set(imd["area_code"]) == districts
    assert set(LONDON_BOROUGHS) <= districts
    assert {r["index_domain"] for r in raw_rows} == set(PREFIXES)
    assert imd.columns == ["area_code", "area_name"] + [f"{p}_{m}" for p in PREFIXES.values() for m in MEASURES]
    assert imd.null_count().sum_horizontal().item() == 0
    for p in PREFIXES.values():
        assert imd.schema[f"{p}_rank_of_average_score"] == pl.Int64
        assert imd.schema[f"{p}_average_score"] == pl.Float64


def test_every_value_matches_the_long_file(imd, raw_rows):
    wide = {r["area_code"]: r for r in imd.iter_rows(named=True)}
    for r in raw_rows:
        row = wide[r["area_code"]]
        assert row["area_name"] == r["area_name"]
        for suffix, column in MEASURES.items():
            assert row[f"{PREFIXES[r['index_domain']]}_{suffix}"] == pytest.approx(float(r[column])), (r, suffix)


def test_ranks_run_1_to_296_for_every_index(imd):
    for p in PREFIXES.values():
        for m in ("rank_of_average_score", "rank_of_average_rank"):
            assert sorted(imd[f"{p}_{m}"]) == list(range(1, 297)), f"{p}_{m}"


def test_most_deprived_london_borough(imd, raw_rows):
    london = [r for r in raw_rows if r["area_code"] in LONDON_BOROUGHS
              and r["index_domain"] == "Index of Multiple Deprivation"]
    assert len(london) == 33
    first = min(london, key=lambda r: int(r["rank_average_score"]))
    assert (first["area_code"], first["area_name"], first["rank_average_score"]) == ("E09000012", "Hackney", "27")
    boroughs = imd.filter(pl.col("area_code").is_in(LONDON_BOROUGHS)).sort("imd_rank_of_average_score")
    assert boroughs.height == 33
    assert boroughs.row(0, named=True)["area_name"] == "Hackney"
    assert boroughs.row(0, named=True)["imd_rank_of_average_score"] == 27
    assert boroughs.row(0, named=True)["imd_average_score"] == pytest.approx(31.795)


@pytest.fixture()
def broken(tmp_path, mirror_dir):
    """A good lake from a private copy of the IoD2025 folder, and the path of the copy to break."""
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / SOURCE, mirror / SOURCE)
    cfg = settings(data_dir=tmp_path / "data", mirror=mirror)
    stage.run(cfg, sources=[SOURCE])
    return cfg, mirror / SOURCE / FILE, lake_fingerprint(cfg.lake_dir)


def _rewrite_rows(path, fn):
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = fn(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _fails(cfg, *patterns):
    with pytest.raises(HisError) as info:
        stage.run(cfg, sources=[SOURCE])
    for p in patterns:
        assert p in str(info.value), str(info.value)
    assert stage.read_source_status(cfg)[SOURCE]["status"] == "error"


def test_missing_column_fails_and_keeps_the_lake(broken):
    cfg, path, before = broken
    _rewrite_rows(path, lambda rows: [r[:8] + r[9:] for r in rows])   # drop rank_average_score
    _fails(cfg, "source mhclg_imd2025", f"mhclg_imd2025/{FILE}", "missing column 'rank_average_score'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_unlisted_index_domain_fails(broken):
    cfg, path, before = broken
    _rewrite_rows(path, lambda rows: [r[:4] + ["Crime and Disorder" if r[4] == "Crime" else r[4]] + r[5:]
                                      for r in rows])
    _fails(cfg, "column 'index_domain' has value(s) the registry's pivot names do not list: 'Crime and Disorder'")
    assert lake_fingerprint(cfg.lake_dir) == before


def test_district_missing_a_domain_row_fails(broken):
    cfg, path, before = broken
    _rewrite_rows(path, lambda rows: [r for r in rows if not (r[0] == "E09000012" and r[4] == "Crime")])
    _fails(cfg, "lack rows for some 'index_domain' values, e.g. 'E09000012' has no 'Crime'")
    assert lake_fingerprint(cfg.lake_dir) == before
