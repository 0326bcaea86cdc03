"""Parsers, one per published *format* (not per file). Each is ``parse(ctx, dataset, source, registry)``
returning the canonical indicator frame (indicator datasets), a typed reference frame, or the returns frame
(``returns`` datasets, :mod:`ingest.sources.returns`).

| format | what it reads |
|---|---|
| ``fingertips_api_csv`` | the OHID Fingertips API CSV (``/api/all_data/csv/by_indicator_id``) or the website's export table (detected by header): 95%/99.8% CIs, counts, denominators, the publisher's comparisons and recent trend |
| ``fingertips_slim_csv`` | Fingertips data as republished by Trafford Data Lab (area_code, period, indicator, value, compared_to_England...) |
| ``ons_sdg_csv`` | the UK SDG data platform CSV (Year, Series, GeoCode, Value, Observation status...) |
| ``spreadsheet`` | xlsx/xls/ods/csv tables, optionally inside a zip: sheet, header row(s), column mapping, unpivot, row filters |
| ``geojson`` | GeoJSON feature collections: properties -> columns, geometry kept as GeoJSON text |
| ``programme_returns`` | a programme returns table (CSV or a filled returns workbook): one reported figure per row (dataset kind ``returns``) |
"""

from __future__ import annotations

from ingest.sources.formats import fingertips, geojson, ons_sdg, programme_returns, spreadsheet

FORMATS = {
    "fingertips_api_csv": fingertips.parse_api,
    "fingertips_slim_csv": fingertips.parse_slim,
    "ons_sdg_csv": ons_sdg.parse,
    "spreadsheet": spreadsheet.parse,
    "geojson": geojson.parse,
    "programme_returns": programme_returns.parse,
}
