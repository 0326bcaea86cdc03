"""Every mirrored source parsed from the real published files into the lake."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from ingest.sources.conform import CANONICAL, LONDON_BOROUGHS

from .conftest import lake_frame

# Rows kept per dataset: London boroughs + London + England (figures checked against PROVENANCE.md).
EXPECTED_ROWS = {
    ("fingertips_ncmp_obesity", "ncmp_obesity_reception"): 374,   # 33 boroughs x 11 years + England x 11
    ("fingertips_ncmp_obesity", "ncmp_obesity_year6"): 374,
    ("fingertips_lifestyle", "adult_smoking"): 442,               # 462 London + 14 England, less 2019 (33 + 1)
    ("fingertips_lifestyle", "active_adults"): 340,
    ("fingertips_lifestyle", "inactive_adults"): 340,
    ("fingertips_lifestyle", "active_children"): 271,
    ("fingertips_life_expectancy", "life_expectancy"): 544,       # 528 London + 16 England ("2023 - 25" excluded)
    ("fingertips_life_expectancy", "healthy_life_expectancy"): 544,
    ("fingertips_life_expectancy", "sii_life_expectancy"): 544,
    ("ons_sdg_air_pollution_mortality", "pm25_mortality_fraction"): 560,  # 462 boroughs + 14 London + 84 England
    ("gla_london_air_quality", "london_air_quality_monthly"): 556,        # 139 months x 4 series
    ("mhclg_imd2019", "imd2019_lad"): 317,
    ("mhclg_imd2025", "imd2025_lad"): 296,                                 # 2,960 long rows pivoted: 296 districts
    ("ons_mid_year_population", "mid_year_population"): 8400,              # 420 areas x 20 years
    ("ons_london_boroughs_boundaries", "london_boroughs"): 33,
    # 37 areas (33 boroughs, Inner/Outer London, London, England) x 9 sheets (All, sex, working pattern), 2022
    ("ons_ashe_living_wage", "living_wage_jobs_below"): 333,
    ("fingertips_tobacco_profiles_london_2019", "tobacco_profiles_london_2019"): 245,  # 7 indicators x 35 areas
    ("gla_his_indicators", "his_healthy_life_expectancy"): 640,        # 32 boroughs x 10 periods x 2 sexes
    ("gla_his_indicators", "his_excess_weight_year6"): 576,            # 32 boroughs x 18 school years
    ("gla_his_indicators", "his_pm25_mortality_fraction"): 165,        # 33 boroughs x 5 years
    ("gla_his_indicators", "his_hiv_late_diagnosis"): 33,              # London x 3 ethnic groups x 11 periods
    ("dft_cw0302_cycling_by_la", "cycling_travel"): 840,                 # 4 frequencies x 35 areas x 6 years
    ("dft_cw0302_cycling_by_la", "cycling_leisure"): 840,
    ("dft_cw0302_cycling_by_la", "cycling_any_purpose"): 840,
    ("fingertips_suicide_prevention_london_2019", "suicide_prevention_london_2019"): 175,  # 5 indicators x 35 areas
    # 33 boroughs x 23 years + London and England x 24 years
    ("mhclg_net_additional_dwellings_la", "net_additional_dwellings"): 807,
    # 2,950 borough and 126 England tenure rows as published + a total per area and year (33 boroughs and England
    # x 33 years; 0 where a borough has no row)
    ("mhclg_affordable_housing_supply_la", "affordable_housing_completions"): 4198,
    ("gla_programme_returns", "programme_returns"): 128,                 # R001-R128, one row per reported figure
}


def test_summary_and_manifest(ingested):
    cfg, summary = ingested
    assert summary == ("19 sources, 28 datasets written, 0 unchanged, "
                       "2 unavailable (dft_cw0301_walking_cycling_by_la, fingertips_api)")
    with (cfg.lake_dir / "manifest.csv").open(encoding="utf-8") as fh:
        rows = {r["dataset_id"]: r for r in csv.DictReader(fh)}
    for (source_id, dataset_id), n in EXPECTED_ROWS.items():
        assert int(rows[dataset_id]["rows"]) == n, dataset_id
        assert rows[dataset_id]["source_id"] == source_id
        assert len(rows[dataset_id]["snapshot_sha256"]) == 64
    with (cfg.lake_dir / "source_status.csv").open(encoding="utf-8") as fh:
        status = {r["source_id"]: r for r in csv.DictReader(fh)}
    # only the 2022 provisional edition is mirrored: available, the other editions named as missing files
    assert status["ons_ashe_living_wage"]["status"] == "available"
    assert "missing file ashe_2023_provisional" in status["ons_ashe_living_wage"]["reason"]
    assert status["fingertips_lifestyle"]["status"] == "available"


@pytest.mark.parametrize("key", list(EXPECTED_ROWS))
def test_rows_per_dataset(ingested, key):
    cfg, _ = ingested
    assert lake_frame(cfg, *key).height == EXPECTED_ROWS[key]


@pytest.mark.parametrize("key", [k for k in EXPECTED_ROWS if k[0].startswith(("fingertips", "ons_sdg", "dft"))])
def test_indicator_datasets_have_canonical_columns_and_all_33_boroughs(ingested, key):
    cfg, _ = ingested
    df = lake_frame(cfg, *key)
    assert list(df.schema.items()) == [(n, t) for n, t in CANONICAL]
    assert sorted(df.filter(pl.col("area_type") == "borough")["area_code"].unique()) == LONDON_BOROUGHS
    assert "E92000001" in df["area_code"].to_list()
    assert df["period_start"].null_count() == 0 and (df["period_start"] <= df["period_end"]).all()


def test_suppressed_na_is_null_not_zero_with_note(ingested):
    cfg, _ = ingested
    df = lake_frame(cfg, "fingertips_lifestyle", "active_children")
    suppressed = df.filter(pl.col("value").is_null())
    assert suppressed.height == 117            # PROVENANCE: 117 London NA rows
    assert set(suppressed["value_note"]) == {"value suppressed or missing in source ('NA')"}
    city = lake_frame(cfg, "fingertips_ncmp_obesity", "ncmp_obesity_reception").filter(
        pl.col("area_code") == "E09000001")
    assert city.height == 11 and city["value"].null_count() == 11   # City of London NA every year
    assert (lake_frame(cfg, "fingertips_ncmp_obesity", "ncmp_obesity_reception")["value"] == 0).sum() == 0


def test_doubtful_life_expectancy_period_is_excluded(ingested):
    cfg, _ = ingested
    df = lake_frame(cfg, "fingertips_life_expectancy", "life_expectancy")
    assert "2023 - 25" not in df["period_label"].to_list()
    assert df["period_label"].max() == "2022 - 24"


def test_old_and_new_pm25_methods_are_kept_apart(ingested):
    cfg, _ = ingested
    df = lake_frame(cfg, "ons_sdg_air_pollution_mortality", "pm25_mortality_fraction")
    headline = df.filter(pl.col("category_type").is_null())
    both = headline.filter(pl.col("period_label").is_in(["2018", "2019"]) & (pl.col("area_code") == "E09000001"))
    assert sorted(both["indicator_id"].to_list()) == ["pm25_mortality_fraction_new", "pm25_mortality_fraction_new",
                                                       "pm25_mortality_fraction_old", "pm25_mortality_fraction_old"]
    old = headline.filter(pl.col("indicator_id") == "pm25_mortality_fraction_old")
    new = headline.filter(pl.col("indicator_id") == "pm25_mortality_fraction_new")
    assert old["period_label"].unique().sort().to_list() == [str(y) for y in range(2010, 2020)]
    assert new["period_label"].unique().sort().to_list() == [str(y) for y in range(2018, 2022)]
    london = headline.filter(pl.col("area_code") == "E12000007").sort("indicator_id", "period_label")
    assert london.height == 14 and set(london["area_name"]) == {"London"}
    england = headline.filter(pl.col("area_code") == "E92000001")
    assert set(england["area_name"]) == {"England"}      # the file has no name: the registry's ONS name
    deciles = df.filter(pl.col("category_type") == "Deprivation decile")
    assert deciles.height == 70 and set(deciles["area_code"]) == {"E92000001"}


def test_london_air_quality_monthly_series(ingested):
    cfg, _ = ingested
    df = lake_frame(cfg, "gla_london_air_quality", "london_air_quality_monthly")
    assert set(df["area_code"]) == {"E12000007"} and set(df["area_type"]) == {"region"}
    pm25 = df.filter(pl.col("indicator_id") == "pm25_concentration_background").sort("period_start")
    assert pm25.height == 139 and pm25["period_label"].n_unique() == 139
    assert pm25["period_label"][0] == "2008-01" and pm25["period_label"][-1] == "2019-07"
    assert "2013-12" in pm25["period_label"].to_list()
    # "." in the workbook for early 2008 background PM2.5 -> null with the marker kept
    jan08 = pm25.row(0, named=True)
    assert jan08["value"] is None and jan08["value_note"] == "value suppressed or missing in source ('.')"


def test_reference_data(ingested):
    cfg, _ = ingested
    boroughs = lake_frame(cfg, "ons_london_boroughs_boundaries", "london_boroughs")
    assert sorted(boroughs["area_code"]) == LONDON_BOROUGHS
    assert boroughs.filter(pl.col("inner_outer") == "Inner").height == 14
    assert boroughs.filter(pl.col("area_code") == "E09000011")["inner_outer"].item() == "Outer"  # Greenwich
    imd = lake_frame(cfg, "mhclg_imd2019", "imd2019_lad")
    london = imd.filter(pl.col("area_code").str.starts_with("E09"))
    assert london.height == 33
    assert london.filter(pl.col("area_code") == "E09000002")["imd_rank_of_average_score"].item() == 21
    pop = lake_frame(cfg, "ons_mid_year_population", "mid_year_population")
    assert pop.filter(pl.col("area_code").str.starts_with("E09") & (pl.col("year") == 2020)).height == 33
    assert pop.filter((pl.col("area_code") == "E09000001") & (pl.col("year") == 2020))["population"].item() == 10938
    assert pop.filter((pl.col("area_code") == "E12000007") & (pl.col("year") == 2020))["area_name"].item() == "London"
