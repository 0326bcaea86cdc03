"""GeoJSON feature collections -> one row per feature.

Dataset options: ``properties`` (output column -> feature property), ``value_maps`` (output column ->
{source value: output value}, e.g. ONS_INNER T/F -> Inner/Outer), ``geometry`` (output column name for
the feature geometry, kept as GeoJSON text), ``types`` (output column -> float|int|string).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from ingest.sources.conform import FileContext, read_text

TYPES = {"string": pl.String, "float": pl.Float64, "int": pl.Int64}


def parse(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    try:
        doc = json.loads(read_text(ctx))
    except json.JSONDecodeError as exc:
        raise ctx.fail(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not features:
        raise ctx.fail("no features (expected a GeoJSON FeatureCollection)")
    props: dict[str, str] = dataset.options.get("properties", {})
    geometry_col = dataset.options.get("geometry")
    records = []
    for n, feat in enumerate(features, start=1):
        p = feat.get("properties") or {}
        missing = [src for src in props.values() if src not in p]
        if missing:
            raise ctx.fail(f"feature {n}: missing propert(y/ies) {missing}; it has {sorted(p)}")
        row = {out: (None if p[src] is None else str(p[src])) for out, src in props.items()}
        if geometry_col:
            row[geometry_col] = json.dumps(feat.get("geometry"), separators=(",", ":"))
        records.append(row)
    df = pl.DataFrame(records, schema={c: pl.String for c in records[0]})
    for out, mapping in (dataset.options.get("value_maps") or {}).items():
        unknown = set(df[out].drop_nulls().unique().to_list()) - set(map(str, mapping))
        if unknown:
            raise ctx.fail(f"column {out}: values {sorted(unknown)} are not in the registry's map {mapping}")
        df = df.with_columns(pl.col(out).replace_strict({str(k): v for k, v in mapping.items()}))
    for out, t in (dataset.options.get("types") or {}).items():
        df = df.with_columns(pl.col(out).cast(TYPES[t]))
    return df
