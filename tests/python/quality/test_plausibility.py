"""Gate 1 compares a staged indicator dataset with its previous accepted snapshot (issue 26, finding 2).

The lake here is the real NCMP Year 6 file from the mirror (conformed by the test stand-in, 374 rows: the 33
boroughs and England, 2014/15-2024/25), accepted, and a candidate staged beside it through the real lake
transaction (ingest.sources.lake). The tester's case: Kingston upon Thames (E09000021) 2023/24 published as a
proportion, 14.9 -> 0.149, inside the 0-100 range, so no other check sees it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb
import polars as pl
import pytest

from ingest.errors import GateFailed
from ingest.sources import lake as lake_tx
from pipeline import cli
from pipeline.context import BuildContext
from pipeline.quality import plausibility, results, stage, suites

from .conftest import SOURCE_ID, StandInDataset, StandInRegistry, conform_ncmp, write_lake

DATASET = "ncmp_obesity_year6"
INDICATOR = "obesity_year6"
KINGSTON = "E09000021"
Y6 = StandInDataset(DATASET, SOURCE_ID, "indicator", suites.INDICATOR_KEY, [INDICATOR], "borough")


@dataclass(frozen=True)
class Source:
    id: str
    plausibility: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Registry(StandInRegistry):
    """The stand-in registry with the source entry's validated ``plausibility:`` block."""

    conf: dict = field(default_factory=dict)

    def source(self, source_id: str) -> Source:
        return Source(source_id, self.conf)


@pytest.fixture(scope="module")
def year6(mirror_dir) -> pl.DataFrame:
    return conform_ncmp(mirror_dir / "fingertips_ncmp_obesity" / "obese_year6.csv", INDICATOR, "10-11 yrs")


@pytest.fixture()
def env(gate_env, monkeypatch, tmp_path):
    cfg = gate_env
    cat = tmp_path / "catalogue.csv"
    cat.write_text("indicator_id,indicator_name,unit,value_type,polarity,value_min,value_max,source_id,dataset_id\n"
                   f"{INDICATOR},Year 6 prevalence of obesity (including severe obesity),percent,proportion,"
                   f"lower_is_better,0,100,{SOURCE_ID},{DATASET}\n")
    monkeypatch.setattr(suites, "catalogue_path", lambda cfg: cat)
    use(monkeypatch)
    return cfg


def use(monkeypatch, conf: dict | None = None) -> None:
    """The registry gate 1 reads, its source entry with this ``plausibility:`` block."""
    monkeypatch.setattr(stage, "load_registry", lambda: Registry([Y6], conf or {}))


def at(area: str, period: str) -> pl.Expr:
    return ((pl.col("area_code") == area) & (pl.col("period_label") == period) & pl.col("category").is_null())


def stage_candidate(cfg, frame: pl.DataFrame) -> str:
    """Stage ``frame`` as the pending candidate of the dataset (what `his ingest` does), with its own snapshot id."""
    sha = hashlib.sha256(frame.write_csv().encode()).hexdigest()
    frame = frame.with_columns(pl.lit(sha).alias("snapshot_sha256"))
    run = lake_tx.new_run_id()
    path = lake_tx.staged_path(cfg, run, SOURCE_ID, DATASET)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    row = {"dataset_id": DATASET, "source_id": SOURCE_ID, "path": str(Y6.lake_path(cfg)), "rows": frame.height,
           "snapshot_sha256": sha, "parsed_at": "2026-12-04T00:00:00+00:00", "config_sha256": ""}
    lake_tx.record_staged(cfg, run, {DATASET: {"row": row, "raw": [], "path": str(path)}})
    return sha


def lake_bytes(cfg) -> dict[str, str]:
    return {p.relative_to(cfg.lake_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(cfg.lake_dir.glob("*/*.parquet")) if p.parts[-2] not in (".staging", "quarantine")
            } | {"manifest.csv": hashlib.sha256((cfg.lake_dir / "manifest.csv").read_bytes()).hexdigest()}


def latest(cfg, check: str) -> dict:
    return [r for r in results.read_history(cfg) if r["check_name"] == check][-1]


def revisions(cfg) -> list[dict]:
    path = plausibility.revisions_path(cfg)
    return pl.read_parquet(path).to_dicts() if path.exists() else []


def warehouse(cfg) -> str:
    cfg.warehouse.parent.mkdir(parents=True, exist_ok=True)
    if not cfg.warehouse.exists():
        con = duckdb.connect(str(cfg.warehouse))
        con.execute("create table published as select 1 as marker")
        con.close()
    return hashlib.sha256(cfg.warehouse.read_bytes()).hexdigest()


def test_kingston_percentage_published_as_a_proportion_stops_the_build(env, year6, capsys):
    cfg = env
    write_lake(cfg, year6, Y6)
    old = year6.filter(at(KINGSTON, "2023/24"))["value"].to_list()
    assert old == [14.9]
    before, wh = lake_bytes(cfg), warehouse(cfg)
    new_sha = stage_candidate(cfg, year6.with_columns(
        pl.when(at(KINGSTON, "2023/24")).then(pl.col("value") / 100).otherwise(pl.col("value")).alias("value")))

    # the build stops at gate 1: dbt, gate 2 and publish never run
    assert cli.main(["build", "--skip", "plan", "--skip", "ingest", "--skip", "report",
                     "--data-dir", str(cfg.data_dir), "--warehouse", str(cfg.warehouse)]) == 1
    err = capsys.readouterr().err
    assert "check scale_change_vs_previous" in err and DATASET in err and KINGSTON in err
    assert lake_bytes(cfg) == before and warehouse(cfg) == wh
    state = json.loads((cfg.lake_dir / "state.json").read_text())
    assert state["gate1"] == "failed" and state["rejected"] == [DATASET]

    for check in ("scale_change_vs_previous", "scale_change_vs_neighbours"):
        r = latest(cfg, check)
        assert not r["success"] and r["severity"] == "error" and r["unexpected_count"] == 1, r
        sample = json.loads(r["failing_rows_sample"])[0]
        assert (sample["area_code"], sample["period_label"]) == (KINGSTON, "2023/24")
    neighbours = json.loads(latest(cfg, "scale_change_vs_neighbours")["failing_rows_sample"])[0]
    assert (neighbours["previous_value"], neighbours["next_value"]) == (16.9, 14.6)
    # the one revision is recorded, with both snapshots, and marked rejected
    [rev] = revisions(cfg)
    assert (rev["area_code"], rev["period_label"], rev["old_value"], rev["new_value"]) == (KINGSTON, "2023/24",
                                                                                           14.9, pytest.approx(0.149))
    assert rev["is_scale_change"] and rev["outcome"] == "rejected" and rev["revision_kind"] == "revised"
    assert rev["new_snapshot_sha256"] == new_sha and rev["old_snapshot_sha256"] == year6["snapshot_sha256"][0]
    assert rev["run_id"] == state["run_id"]


def test_an_ordinary_revision_warns_is_recorded_and_accepted(env, year6):
    cfg = env
    write_lake(cfg, year6, Y6)
    # the publisher revises Kingston 2023/24 from 14.9 to 15.2 and Camden 2024/25 by 0.01 (within the tolerance)
    camden = year6.filter(at("E09000007", "2024/25"))["value"][0]
    cand = year6.with_columns(pl.when(at(KINGSTON, "2023/24")).then(15.2)
                              .when(at("E09000007", "2024/25")).then(camden + 0.01)
                              .otherwise(pl.col("value")).alias("value"))
    new_sha = stage_candidate(cfg, cand)
    summary = stage.run_lake(BuildContext.of(cfg, command="build"))
    assert "1 staged dataset(s) accepted" in summary
    r = latest(cfg, "value_revised")
    assert not r["success"] and r["severity"] == "warn" and r["unexpected_count"] == 1
    assert latest(cfg, "scale_change_vs_previous")["success"] and latest(cfg, "scale_change_vs_neighbours")["success"]
    share = latest(cfg, "revised_share")
    common = year6.height
    assert share["success"] and float(share["observed_value"]) == pytest.approx(1 / common)
    [rev] = revisions(cfg)
    assert (rev["area_code"], rev["old_value"], rev["new_value"], rev["outcome"]) == (KINGSTON, 14.9, 15.2, "accepted")
    assert not rev["is_scale_change"] and rev["new_snapshot_sha256"] == new_sha
    assert pl.read_parquet(Y6.lake_path(cfg)).filter(at(KINGSTON, "2023/24"))["value"].to_list() == [15.2]
    # the next build finds the accepted snapshot unchanged: it passed these checks (plus the comparisons it had
    # as a candidate), so it is not checked again
    assert "1 dataset(s) unchanged since they passed" in stage.run_lake(BuildContext.of(cfg, command="build"))


def test_the_source_entry_switches_the_severities(env, year6, monkeypatch):
    cfg = env
    write_lake(cfg, year6, Y6)
    scaled = year6.with_columns(
        pl.when(at(KINGSTON, "2023/24")).then(pl.col("value") / 100).otherwise(pl.col("value")).alias("value"))
    # scale change downgraded to a warning: the candidate is accepted, the change still reported and recorded
    use(monkeypatch, {"scale_change": "warn"})
    stage_candidate(cfg, scaled)
    stage.run_lake(BuildContext.of(cfg, command="build"))
    r = latest(cfg, "scale_change_vs_previous")
    assert not r["success"] and r["severity"] == "warn"
    assert [x["outcome"] for x in revisions(cfg)] == ["accepted"]
    # an ordinary revision made an error, with a share limit: the next candidate is rejected
    use(monkeypatch, {"revision": "error", "max_revised_share": 0.0})
    stage_candidate(cfg, scaled.with_columns(
        pl.when(at(KINGSTON, "2023/24")).then(14.9).otherwise(pl.col("value")).alias("value")))
    with pytest.raises(GateFailed, match="value_revised"):
        stage.run_lake(BuildContext.of(cfg, command="build"))
    assert latest(cfg, "revised_share")["severity"] == "error" and not latest(cfg, "revised_share")["success"]
    assert [x["outcome"] for x in revisions(cfg)] == ["accepted", "rejected"]


def test_first_ingest_has_nothing_to_compare_and_passes(env, year6):
    cfg = env
    (cfg.lake_dir).mkdir(parents=True, exist_ok=True)
    stage_candidate(cfg, year6)
    summary = stage.run_lake(BuildContext.of(cfg, command="build"))
    assert "1 staged dataset(s) accepted" in summary
    names = {r["check_name"] for r in results.read_history(cfg)}
    assert not names & set(plausibility.CHECK_NAMES)
    assert revisions(cfg) == [] and Y6.lake_path(cfg).exists()


def test_unchanged_candidate_has_no_revision(env, year6):
    cfg = env
    write_lake(cfg, year6, Y6)
    stage_candidate(cfg, year6)
    stage.run_lake(BuildContext.of(cfg, command="build"))
    for check in plausibility.CHECK_NAMES:
        assert latest(cfg, check)["success"], check
    assert float(latest(cfg, "revised_share")["observed_value"]) == 0.0
    assert revisions(cfg) == []


@pytest.mark.slow
def test_fct_value_revision_shows_the_recorded_revisions(env, year6):
    """A real dbt build of the revision mart after a revision was accepted and a change of scale rejected."""
    from pipeline.warehouse import invoke

    cfg = env
    write_lake(cfg, year6, Y6)
    stage_candidate(cfg, year6.with_columns(
        pl.when(at(KINGSTON, "2023/24")).then(15.2).otherwise(pl.col("value")).alias("value")))
    stage.run_lake(BuildContext.of(cfg, command="build"))
    stage_candidate(cfg, year6.with_columns(
        pl.when(at(KINGSTON, "2024/25")).then(pl.col("value") / 1000).otherwise(pl.col("value")).alias("value")))
    with pytest.raises(GateFailed):
        stage.run_lake(BuildContext.of(cfg, command="build"))
    assert invoke(cfg, ["build", "--select", "+fct_value_revision"], warehouse=cfg.warehouse).success
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    rows = con.execute("select period_label, old_value, new_value, is_scale_change, outcome from fct_value_revision "
                       "order by run_at, period_label").fetchall()
    con.close()
    # the second candidate is built from the mirror rows again, so against the accepted 15.2 its 2023/24 is a
    # revision back to 14.9, beside the scaled 2024/25
    assert rows == [("2023/24", 14.9, 15.2, False, "accepted"),
                    ("2023/24", 15.2, 14.9, False, "rejected"),
                    ("2024/25", 14.6, pytest.approx(0.0146), True, "rejected")]


def test_zero_and_negative_values_are_compared_without_error(env, year6):
    """Zeros and opposite signs are never a change of scale, and never make the SQL fail (no log of <= 0). The
    values are the real file's, with Kingston's series changed by the test to 0, a sign flip and 100x."""
    cfg = env
    accepted = year6.with_columns(pl.when(at(KINGSTON, "2014/15")).then(0.0).otherwise(pl.col("value")).alias("value"))
    write_lake(cfg, accepted, Y6)
    cand = accepted.with_columns(pl.when(at(KINGSTON, "2015/16")).then(-pl.col("value"))
                                 .when(at(KINGSTON, "2016/17")).then(0.0)
                                 .when(at(KINGSTON, "2018/19")).then(pl.col("value") * 100)
                                 .otherwise(pl.col("value")).alias("value"))
    stage_candidate(cfg, cand)
    with pytest.raises(GateFailed):
        stage.run_lake(BuildContext.of(cfg, command="build"))
    for check in plausibility.CHECK_NAMES:
        assert not latest(cfg, check)["observed_value"].startswith("error"), latest(cfg, check)
    flagged = json.loads(latest(cfg, "scale_change_vs_previous")["failing_rows_sample"])
    assert [r["period_label"] for r in flagged] == ["2018/19"]
    assert {(r["period_label"], r["is_scale_change"]) for r in revisions(cfg)} == {
        ("2015/16", False), ("2016/17", False), ("2018/19", True)}


def test_an_empty_accepted_file_is_a_first_ingest(env, year6):
    """An unavailable source leaves an empty placeholder in the lake; when its data first arrives (a build with no
    mirror, then one with it) every value is new, not a revision of the placeholder: nothing is compared."""
    cfg = env
    write_lake(cfg, year6, Y6)
    year6.clear().write_parquet(Y6.lake_path(cfg))  # what the lake holds for a source that was unavailable
    assert pl.read_parquet(Y6.lake_path(cfg)).height == 0
    # a change of scale that the neighbour check would flag, were it run
    stage_candidate(cfg, year6.with_columns(
        pl.when(at(KINGSTON, "2023/24")).then(pl.col("value") / 100).otherwise(pl.col("value")).alias("value")))
    summary = stage.run_lake(BuildContext.of(cfg, command="build"))
    assert "1 staged dataset(s) accepted" in summary
    assert not [r for r in results.read_history(cfg) if r["check_name"] in plausibility.CHECK_NAMES]


def test_counts_are_not_compared_with_their_neighbouring_periods(env, year6, monkeypatch, tmp_path):
    """A count in one borough and breakdown is lumpy (MHCLG: 113 completions one year, 1 the next, as published):
    the neighbour check leaves counts alone, while the same key's previous value is still compared."""
    cfg = env
    cat = tmp_path / "catalogue_count.csv"
    cat.write_text("indicator_id,indicator_name,unit,value_type,polarity,value_min,value_max,source_id,dataset_id\n"
                   f"{INDICATOR},A count for this test,dwellings,count,higher_is_better,0,,{SOURCE_ID},{DATASET}\n")
    monkeypatch.setattr(suites, "catalogue_path", lambda cfg: cat)
    write_lake(cfg, year6, Y6)
    # a new latest period for Kingston 100x its neighbour: a count may do that
    newest = year6.filter(at(KINGSTON, "2024/25"))
    assert newest.height == 1
    stage_candidate(cfg, year6.with_columns(
        pl.when(at(KINGSTON, "2024/25")).then(pl.col("value") * 100).otherwise(pl.col("value")).alias("value")))
    with pytest.raises(GateFailed, match="scale_change_vs_previous"):
        stage.run_lake(BuildContext.of(cfg, command="build"))
    assert latest(cfg, "scale_change_vs_neighbours")["success"]
    assert not latest(cfg, "scale_change_vs_previous")["success"]
    assert plausibility.neighbour_indicators({INDICATOR: {"value_type": "count"}, "x": {"value_type": "rate"}},
                                             [INDICATOR, "x"]) == ["x"]


def test_revisions_are_recorded_even_when_the_promotion_is_interrupted(env, year6, monkeypatch):
    """The tester's case: the lake folder was read-only (or the command was killed) while gate 1 promoted; the next
    command finishes the promotion without checking the dataset again, so the revisions must already be recorded."""
    cfg = env
    write_lake(cfg, year6, Y6)
    stage_candidate(cfg, year6.with_columns(
        pl.when(at(KINGSTON, "2023/24")).then(15.1).otherwise(pl.col("value")).alias("value")))

    def interrupted(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(lake_tx, "finish_gate", interrupted)
    with pytest.raises(OSError):
        stage.run_lake(BuildContext.of(cfg, command="build"))
    [rev] = revisions(cfg)
    assert (rev["area_code"], rev["old_value"], rev["new_value"], rev["outcome"]) == (KINGSTON, 14.9, 15.1, "accepted")
