"""dbt files derived from the source registry: one documented dbt source per registry source, and the
staging model of every indicator source, so that adding a source is a registry entry plus catalogue rows.

For each registry source ``S`` (``ingest/registry/S.yml``) this writes, under ``models/staging/S/``:

- ``_S__sources.yml``: the dbt source ``S`` (title, publisher, licence, official page) with one table per
  dataset, read from the lake Parquet file (``meta.external_location``);
- when ``S`` has indicator datasets: ``stg_S__indicator_values.sql`` (the canonical columns with portable
  types, unioned over the datasets) and ``_S__models.yml`` (descriptions and the generic indicator tests).

- per ``returns`` dataset ``D`` (programme delivery returns, :mod:`ingest.sources.returns`):
  ``stg_S__D.sql`` (the returns columns, typed: macros/returns_staging.sql) and ``_S__models.yml``
  (descriptions and tests: unique ``return_id``, known basis and unit).

Reference datasets (IMD, population, boundaries) keep a hand-written staging model beside the generated
sources file: their columns differ per source. ``macros/generated/registry_staging_models.sql`` lists the
indicator staging models that ``int_indicator_values_unioned`` unions, and
``macros/generated/registry_returns_models.sql`` the returns staging models ``int_reported_figures_unioned``
unions.

Also generated: ``seeds/reference/registry_sources.csv`` (title, publisher, official page and licence per
source, for the reports' credits) and, from the report pages rather than the registry,
``models/exposures/_report_pages__exposures.yml`` (one dbt exposure per page, :func:`pipeline.report.exposures_yml`).

Generated files start with :data:`HEADER`. ``his generate`` (and every ``his dbt`` / ``his build``) rewrites
the files that differ; ``his generate --check`` fails when a checked-in file has drifted from the registry
(the test suite runs it), and names the files. Plain ``dbt build`` reads the checked-in files.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.errors import HisError
from ingest.progress import log
from ingest.sources.conform import CANONICAL
from ingest.sources.registry import Registry, Source, load_registry

HEADER = "generated from the source registry (ingest/registry/{source}.yml) by `his generate`: do not edit"
MACRO_PATH = Path("macros") / "generated" / "registry_staging_models.sql"
RETURNS_MACRO_PATH = Path("macros") / "generated" / "registry_returns_models.sql"
# Canonical columns that must never be null in a staging model (DESIGN.md section 3).
NOT_NULL = {"indicator_id", "area_code", "period_label", "period_start", "period_end", "source_id"}


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(" ".join(str(text).split()), ensure_ascii=False)


def staging_model_name(source: Source) -> str:
    return f"stg_{source.id}__indicator_values"


def indicator_sources(registry: Registry) -> list[Source]:
    return [s for s in registry.sources if any(d.kind == "indicator" for d in s.datasets)]


def _sources_yml(source: Source) -> str:
    description = (f"{source.title}. Publisher: {source.publisher}. Licence: {source.licence}. Official page: "
                   f"{source.homepage}. Lake Parquet written by `his ingest` (registry entry `{source.id}`).")
    lines = [
        f"# {HEADER.format(source=source.id)}",
        "version: 2",
        "",
        "sources:",
        f"  - name: {source.id}",
        f"    description: {_q(description)}",
        "    meta:",
        f"      external_location: \"{{{{ env_var('HIS_DATA_DIR', 'data') }}}}/lake/{source.id}/{{name}}.parquet\"",
        f"      publisher: {_q(source.publisher)}",
        f"      licence: {_q(source.licence)}",
        f"      homepage: {_q(source.homepage)}",
        f"      cadence: {source.cadence}",
    ]
    if source.freshness_days:  # a one-off publication is never overdue: no freshness
        warn, error = source.freshness_days
        lines += [
            "    config:",
            "      freshness:",
            f"        warn_after: {{count: {warn}, period: day}}",
            f"        error_after: {{count: {error}, period: day}}",
            f"      loaded_at_query: {_q(_loaded_at_query(source))}",
        ]
    lines += ["    tables:"]
    for d in source.datasets:
        if d.kind == "indicator":
            text = (f"Indicator(s) {', '.join(d.indicators)} in the canonical long shape (one row per indicator, "
                    f"area, period, sex, age and category).")
            if d.description:
                text += f" {d.description}"
        elif d.kind == "returns":
            text = ("Programme returns: reported figures, not official statistics; one row per figure (return_id) "
                    "with its page, publisher and verbatim quote.")
            if d.description:
                text += f" {d.description}"
        else:
            text = d.description or f"Reference dataset {d.id}, one row per {', '.join(d.key_columns)}."
        lines += [f"      - name: {d.id}", f"        description: {_q(text)}"]
    return "\n".join(lines) + "\n"


def _loaded_at_query(source: Source) -> str:
    """When the edition in use was published (``edition_at`` of ``data/lake/source_status.csv``, written by
    ``his ingest`` from the raw manifest: the server's Last-Modified, else the mirror copy's time, else the first
    retrieval). The lake Parquet files carry no load time of their own, so ``dbt source freshness`` reads the
    pipeline's record instead (DuckDB: ``read_csv``)."""
    return ("select max(cast(nullif(edition_at, '') as timestamp)) from read_csv('{{ env_var('HIS_DATA_DIR', "
            f"'data') }}}}/lake/source_status.csv', all_varchar = true) where source_id = '{source.id}'")


def _staging_sql(source: Source) -> str:
    datasets = [d for d in source.datasets if d.kind == "indicator"]
    rels = ",\n".join(f"    lake_source('{source.id}', '{d.id}')" for d in datasets)
    return (f"-- {HEADER.format(source=source.id)}\n"
            f"-- {' '.join(source.title.split())}: every indicator dataset of source {source.id}, canonical columns "
            f"with portable types.\n"
            "{{ config(tags=['indicator']) }}\n"
            f"{{{{ indicator_staging([\n{rels}\n]) }}}}\n")


def _models_yml(source: Source) -> str:
    indicators = [i for d in source.datasets if d.kind == "indicator" for i in d.indicators]
    description = (f"{source.title} ({', '.join(indicators)}), one row per indicator, area, period, sex, age and "
                   f"category, as conformed by `his ingest`.")
    lines = [
        f"# {HEADER.format(source=source.id)}",
        "version: 2",
        "",
        "models:",
        f"  - name: {staging_model_name(source)}",
        f"    description: {_q(description)}",
        "    data_tests:",
        "      - area_code_in_known_set",
        "      - value_in_catalogue_range",
        "      - ci_brackets_value",
        # the key columns' not-null checks in one scan of the model (one test per column was one scan each)
        "      - not_null_columns:",
        "          arguments:",
        f"            columns: [{', '.join(n for n, _ in CANONICAL if n in NOT_NULL)}]",
        "    columns:",
    ]
    for name, _ in CANONICAL:
        lines += [f"      - name: {name}", f"        description: \"{{{{ doc('indicator_col_{name}') }}}}\""]
    return "\n".join(lines) + "\n"


def _macro(registry: Registry) -> str:
    names = [staging_model_name(s) for s in indicator_sources(registry)]
    body = ",\n".join(f"    '{n}'" for n in names)
    return ("{#- " + HEADER.format(source="*") + ".\n"
            "    registry_staging_models(): the indicator staging models of the registry's sources, in registry order;\n"
            "    int_indicator_values_unioned unions them (macros/indicator_staging_models.sql). -#}\n"
            "{% macro registry_staging_models() -%}\n"
            f"  {{{{ return([\n{body}\n  ]) }}}}\n"
            "{%- endmacro %}\n")


def returns_model_name(source: Source, dataset_id: str) -> str:
    return f"stg_{source.id}__{dataset_id}"


def returns_models(registry: Registry) -> list[str]:
    return [returns_model_name(s, d.id) for s in registry.sources for d in s.datasets if d.kind == "returns"]


def _returns_sql(source: Source, dataset_id: str) -> str:
    return (f"-- {HEADER.format(source=source.id)}\n"
            f"-- {' '.join(source.title.split())}: returns dataset {dataset_id}, one row per reported figure, typed "
            "(macros/returns_staging.sql).\n"
            "{{ config(tags=['returns']) }}\n"
            f"{{{{ returns_staging(lake_source('{source.id}', '{dataset_id}')) }}}}\n")


def _returns_models_yml(source: Source) -> str:
    from ingest.sources.returns import BASES, COLUMNS

    lines = [f"# {HEADER.format(source=source.id)}", "version: 2", "", "models:"]
    for d in source.datasets:
        if d.kind != "returns":
            continue
        description = (f"{source.title}: dataset {d.id}, one row per reported figure as read by `his ingest` and "
                       "checked row by row in gate 1 (docs/returns.md). Reported figures, not official statistics.")
        lines += [
            f"  - name: {returns_model_name(source, d.id)}",
            f"    description: {_q(description)}",
            "    data_tests:",
            "      - not_null_columns:",
            "          arguments:",
            "            columns: [return_id, value, unit, basis, url, quote, source_id]",
            "    columns:",
        ]
        for name in [*COLUMNS, "source_id", "snapshot_sha256"]:
            lines += [f"      - name: {name}", f"        description: \"{{{{ doc('returns_col_{name}') }}}}\""]
            if name == "return_id":
                lines += ["        data_tests: [unique]"]
            elif name == "basis":
                lines += ["        data_tests:", "          - accepted_values:",
                          f"              arguments: {{values: [{', '.join(repr(b) for b in BASES)}]}}"]
            elif name == "unit":
                lines += ["        data_tests:", "          - relationships:",
                          "              arguments: {to: ref('returns_units'), field: unit}"]
    return "\n".join(lines) + "\n"


def _returns_macro(registry: Registry) -> str:
    body = ",\n".join(f"    '{n}'" for n in returns_models(registry))
    return ("{#- " + HEADER.format(source="*") + ".\n"
            "    registry_returns_models(): the returns staging models of the registry's returns datasets, in registry\n"
            "    order; int_reported_figures_unioned unions them (macros/returns_staging.sql). -#}\n"
            "{% macro registry_returns_models() -%}\n"
            f"  {{{{ return([\n{body}\n  ]) }}}}\n"
            "{%- endmacro %}\n")


SOURCES_SEED = Path("seeds") / "reference" / "registry_sources.csv"


def _sources_seed(registry: Registry) -> str:
    """The registry's reader-facing facts per source (title, publisher, official page, licence) as a seed, so
    the reports credit each source from the registry rather than a hand-copied list."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source_id", "title", "publisher", "homepage_url", "licence"])
    for s in sorted(registry.sources, key=lambda s: s.id):
        w.writerow([s.id, s.title, s.publisher, s.homepage, s.licence])
    return buf.getvalue()


def _sources_seed_yml() -> str:
    return "\n".join([
        f"# {HEADER.format(source='*')}",
        "version: 2",
        "",
        "seeds:",
        "  - name: registry_sources",
        "    description: >",
        "      Generated from the source registry by `his generate` (do not edit): one row per registered source",
        "      with what a reader needs to find and credit it. Mart dim_source adds availability and retrieval dates.",
        "    config:",
        "      column_types: {source_id: string, title: string, publisher: string, homepage_url: string, licence: string}",
        "    columns:",
        "      - name: source_id",
        "        description: \"Registry source id (ingest/registry/<source_id>.yml).\"",
        "        data_tests: [not_null, unique]",
        "      - name: title",
        "        description: \"The dataset's title as its publisher gives it.\"",
        "        data_tests: [not_null]",
        "      - name: publisher",
        "        description: \"Who publishes (and, where it applies, who republishes) the data.\"",
        "        data_tests: [not_null]",
        "      - name: homepage_url",
        "        description: \"The dataset's official page.\"",
        "        data_tests: [not_null]",
        "      - name: licence",
        "        description: \"The licence the publisher releases the data under.\"",
        "        data_tests: [not_null]",
    ]) + "\n"


def expected_files(registry: Registry) -> dict[Path, str]:
    """Relative path -> content of every generated file."""
    from pipeline.report import EXPOSURES_PATH, exposures_yml

    files: dict[Path, str] = {SOURCES_SEED: _sources_seed(registry),
                              SOURCES_SEED.with_name("_registry_sources.yml"): _sources_seed_yml(),
                              EXPOSURES_PATH: exposures_yml()}
    for s in registry.sources:
        folder = Path("models") / "staging" / s.id
        files[folder / f"_{s.id}__sources.yml"] = _sources_yml(s)
        if any(d.kind == "indicator" for d in s.datasets):
            files[folder / f"{staging_model_name(s)}.sql"] = _staging_sql(s)
            files[folder / f"_{s.id}__models.yml"] = _models_yml(s)
        if any(d.kind == "returns" for d in s.datasets):
            if any(d.kind == "indicator" for d in s.datasets):
                raise HisError(f"source {s.id}: a source yields either indicator or returns datasets, not both")
            for d in s.datasets:
                if d.kind == "returns":
                    files[folder / f"{returns_model_name(s, d.id)}.sql"] = _returns_sql(s, d.id)
            files[folder / f"_{s.id}__models.yml"] = _returns_models_yml(s)
    files[MACRO_PATH] = _macro(registry)
    files[RETURNS_MACRO_PATH] = _returns_macro(registry)
    return files


def _stale_generated(project_root: Path, expected: dict[Path, str]) -> list[Path]:
    """Generated files (by their header) that the registry no longer yields, e.g. of a removed source."""
    out = []
    for f in (project_root / "models" / "staging").rglob("*"):
        if f.is_file() and f.relative_to(project_root) not in expected and "his generate`: do not edit" in \
                f.read_text(encoding="utf-8", errors="replace")[:300]:
            out.append(f.relative_to(project_root))
    return sorted(out)


def generate(project_root: Path, registry: Registry | None = None, *, check: bool = False) -> list[Path]:
    """Write (or with ``check``, compare) the generated files; returns the paths that changed (or differ).

    ``check`` raises :class:`HisError` naming every file that differs from what the registry yields."""
    registry = registry or load_registry(project_root / "ingest" / "registry")
    expected = expected_files(registry)
    changed = [p for p, text in expected.items()
               if not (project_root / p).exists() or (project_root / p).read_text(encoding="utf-8") != text]
    stale = _stale_generated(project_root, expected)
    if check:
        if changed or stale:
            raise HisError("dbt files generated from the source registry are out of date: "
                           + ", ".join(str(p) for p in [*changed, *stale])
                           + ". Run `his generate` and commit the result.")
        return []
    for p in changed:
        (project_root / p).parent.mkdir(parents=True, exist_ok=True)
        (project_root / p).write_text(expected[p], encoding="utf-8")
        log(f"  generated {p}")
    for p in stale:
        (project_root / p).unlink()
        log(f"  removed {p} (its source is no longer in the registry)")
    return [*changed, *stale]
