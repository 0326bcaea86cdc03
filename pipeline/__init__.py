"""The warehouse application: the command line and every build stage after ingestion.

One module (or subpackage) per stage, each ``run(ctx: BuildContext) -> str``:

| module | stage |
|---|---|
| :mod:`pipeline.cli` | ``his``: parses the command line, runs the stages in build order |
| :mod:`pipeline.context` | the typed context the stages receive (paths, options, decisions) |
| :mod:`pipeline.runner` | runs stages in order with progress and a timing summary |
| :mod:`pipeline.stages` | the plan and ingest stages: adapters over :mod:`ingest` (ingestion lives there) |
| :mod:`pipeline.quality` | quality gates 1 (lake) and 2 (marts): Great Expectations |
| :mod:`pipeline.warehouse` | ``dbt build`` into a candidate warehouse, its build state, publishing it |
| :mod:`pipeline.spark` | the Spark target: build on Spark, collect its marts |
| :mod:`pipeline.report` | the Evidence site built from the marts |
"""
