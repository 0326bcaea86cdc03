"""Tables in spreadsheets (xlsx/xls/ods via calamine/fastexcel) or CSV, optionally inside a zip.

Reading options (dataset ``options``, overridden per file by the file's ``options``):
``zip_member`` (glob of the member to read), ``sheet``, ``header_row`` (0-based) or
``header_starts_with`` (the first row whose first cell equals this text), ``header_rows: 2`` (a group row
above the header row; names become "group:name", the group carried right across merged cells).
Column references are header names (compared with surrounding spaces stripped) or 0-based positions.
A workbook's bytes must be the kind its extension declares (ods, xlsx/xlsm, xlsb or xls): an xlsx saved
under an .ods name (or the reverse) is an error, not silently read.

Indicator datasets: ``area_code``/``area_name``/``period`` each ``{column: ref}`` or ``{value: text}``,
``period_type``; per indicator ``value`` (ref), optional ``count``/``denominator``/``lower_ci``/``upper_ci``
(refs), ``count_multiplier``, ``sex``/``age`` constants, ``where`` ({column ref: text or list of texts}: only
the rows whose cells equal one of them, e.g. one frequency of a table that stacks several; an error when no
row matches). ``duplicate_periods: keep_first`` drops later rows that repeat an (area, period) (default: an
error). ``unpivot`` ({pattern, name, value}) turns a table with one column per period into long rows first:
the headers matching ``pattern`` (a regex with one group) become column ``name`` (the group's text) and
their cells column ``value``; ``period``/``value`` then refer to those columns. ``null_tokens`` (list) adds
publisher markers that mean "no value" to the shared suppression tokens (e.g. DfT's ``[note 6]``, ``[x]``,
``[c]``, ``[low]``): such cells become null with the token kept in ``value_note``.

Reference datasets: ``columns`` (output -> ref), ``types`` (output -> string|float|int), ``title_case``
(columns whose ALL-CAPS values become Title Case, e.g. ONS "LONDON"), ``unpivot`` ({pattern: regex with one
group over header names, name: column for the group, value: column for the cell, name_type, value_type}).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import polars as pl

from ingest.sources.conform import FileContext, conform, read_bytes, read_text, to_number

TYPES = {"string": pl.String, "float": pl.Float64, "int": pl.Int64}
# Declared extension -> the workbook kind its bytes must be (see workbook_kind).
WORKBOOK_KINDS = {"ods": "ods", "xlsx": "xlsx", "xlsm": "xlsx", "xlsb": "xlsb", "xls": "xls"}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def workbook_kind(data: bytes) -> str | None:
    """What a workbook's bytes are: "ods", "xlsx", "xlsb", "xls" (OLE2), or None when not recognised."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names and zf.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "xl/workbook.xml" in names:
                return "xlsx"
    except zipfile.BadZipFile:
        return None
    return None


def _read_grid(ctx: FileContext) -> pl.DataFrame:
    """The raw cell grid as strings, no header interpretation."""
    ext = str(ctx.options.get("table_ext") or ctx.path.suffix.lstrip(".")).lower()
    if ctx.options.get("zip_member"):
        ext = ctx.options["zip_member"].rsplit(".", 1)[-1].lower()
    if ext == "csv":
        text = read_text(ctx)
        try:
            return pl.read_csv(io.StringIO(text), has_header=False, infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise ctx.fail(f"cannot be read as CSV: {exc}") from exc
    import fastexcel

    data = read_bytes(ctx)
    found = workbook_kind(data)
    declared = WORKBOOK_KINDS.get(ext)
    if declared and found and found != declared:
        raise ctx.fail(f"the file is declared .{ext} but its bytes are an {found} workbook "
                       f"(wrong file, or a re-saved copy: register it with ext {found})")
    sheet = ctx.options.get("sheet", 0)
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # calamine raises its own error types
        raise ctx.fail(f"cannot be read as a spreadsheet ({ext}): {exc}") from exc
    if isinstance(sheet, str) and sheet not in reader.sheet_names:
        raise ctx.fail(f"no sheet {sheet!r}; the workbook has sheets {reader.sheet_names}")
    try:
        grid = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        numbers = reader.load_sheet(sheet, header_row=None, dtypes="float").to_polars()
    except Exception as exc:
        raise ctx.fail(f"sheet {sheet!r} cannot be read: {exc}") from exc
    return _full_precision(grid, numbers)


def _full_precision(grid: pl.DataFrame, numbers: pl.DataFrame) -> pl.DataFrame:
    """calamine's text of a number cell keeps only 10 significant digits (1.7988196992186001 -> "1.798819699"):
    where the same cell read as a number differs from its text only by that rounding, keep the stored double
    (its shortest exact text). Text cells, and numbers whose text is already exact, are left as they are."""
    if grid.shape != numbers.shape:
        return grid
    out = []
    for c, n in zip(grid.columns, numbers.columns):
        text = pl.col(c)
        num = numbers.get_column(n).alias("__num")
        parsed = text.str.strip_chars().cast(pl.Float64, strict=False)
        rounded = (pl.col("__num").is_not_null() & parsed.is_not_null() & (parsed != pl.col("__num"))
                   & ((parsed - pl.col("__num")).abs() <= 1e-9 * pl.max_horizontal(pl.lit(1.0), pl.col("__num").abs())))
        out.append(grid.select(text, num).select(
            pl.when(rounded).then(pl.col("__num").cast(pl.String)).otherwise(text).alias(c)).to_series())
    return pl.DataFrame(out)


def read_table(ctx: FileContext) -> pl.DataFrame:
    """The table with its header applied: string columns named by the header row(s)."""
    grid = _read_grid(ctx)
    if grid.height == 0:
        raise ctx.fail(f"sheet {ctx.options.get('sheet', 0)!r} is empty")
    first = grid.get_column(grid.columns[0]).cast(pl.String)
    if "header_starts_with" in ctx.options:
        target = str(ctx.options["header_starts_with"]).strip()
        hits = [i for i, v in enumerate(first.to_list()) if v is not None and v.strip() == target]
        if not hits:
            raise ctx.fail(f"no header row starting with {target!r} in sheet {ctx.options.get('sheet', 0)!r} "
                           "(wrong sheet, or the header was renamed?)")
        h = hits[0]
    else:
        h = int(ctx.options.get("header_row", 0))
    names = [("" if v is None else str(v).strip()) for v in grid.row(h)]
    if int(ctx.options.get("header_rows", 1)) == 2:
        group, groups = "", []
        for v in grid.row(h - 1):
            group = str(v).strip() if v not in (None, "") else group
            groups.append(group)
        names = [f"{g}:{n}" if g and n else n for g, n in zip(groups, names)]
    seen: dict[str, int] = {}
    unique = []
    for i, n in enumerate(names):
        n = n or f"column_{i}"
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    body = grid.slice(h + 1)
    body.columns = unique
    body = body.filter(~pl.all_horizontal(pl.all().is_null() | (pl.all().cast(pl.String).str.strip_chars() == "")))
    if body.height == 0:
        raise ctx.fail("the table has a header but no data rows")
    return body


def _col(ctx: FileContext, df: pl.DataFrame, ref: Any) -> str:
    if isinstance(ref, int):
        if ref >= df.width:
            raise ctx.fail(f"column position {ref} is beyond the table's {df.width} columns")
        return df.columns[ref]
    for c in df.columns:
        if c.strip() == str(ref).strip():
            return c
    raise ctx.fail(f"missing column {ref!r}; the table has {', '.join(repr(c) for c in df.columns)} "
                   "(renamed, or wrong sheet/header row?)")


def _field(ctx: FileContext, df: pl.DataFrame, spec: Any, what: str) -> pl.Expr:
    if isinstance(spec, dict) and "value" in spec:
        return pl.lit(str(spec["value"]))
    if isinstance(spec, dict) and "column" in spec:
        return pl.col(_col(ctx, df, spec["column"])).cast(pl.String).str.strip_chars()
    raise ctx.fail(f"registry option {what!r} must be {{column: ...}} or {{value: ...}}, got {spec!r}")


def _unpivot_table(ctx: FileContext, df: pl.DataFrame, spec: dict[str, Any]) -> pl.DataFrame:
    """Columns whose header matches ``spec['pattern']`` -> long rows: ``spec['name']`` (the pattern's group)
    and ``spec['value']`` (the cell, still text); every other column is kept on each row."""
    for key in ("pattern", "name", "value"):
        if not spec.get(key):
            raise ctx.fail(f"registry option 'unpivot' needs {key!r}, got {spec!r}")
    pattern = re.compile(spec["pattern"])
    if pattern.groups != 1:
        raise ctx.fail(f"unpivot pattern {spec['pattern']!r} must have exactly one group")
    on = [c for c in df.columns if pattern.fullmatch(c.strip())]
    if not on:
        raise ctx.fail(f"no columns match the unpivot pattern {spec['pattern']!r}; the table has {df.columns}")
    clash = [n for n in (spec["name"], spec["value"]) if n in df.columns]
    if clash:
        raise ctx.fail(f"unpivot would overwrite existing column(s) {clash}; choose other names")
    index = [c for c in df.columns if c not in on]
    out = df.with_columns([pl.col(c).cast(pl.String) for c in on]).unpivot(
        index=index, on=on, variable_name=spec["name"], value_name=spec["value"])
    return out.with_columns(pl.col(spec["name"]).str.strip_chars().str.extract(spec["pattern"], 1))


def _where(ctx: FileContext, df: pl.DataFrame, where: Any, indicator_id: str) -> pl.DataFrame:
    """Rows whose cells equal the given text(s) (compared with surrounding spaces stripped)."""
    if not where:
        return df
    if not isinstance(where, dict):
        raise ctx.fail(f"indicator {indicator_id}: 'where' must map column -> text(s), got {where!r}")
    for ref, wanted in where.items():
        col = _col(ctx, df, ref)
        values = [str(v).strip() for v in (wanted if isinstance(wanted, list) else [wanted])]
        cells = pl.col(col).cast(pl.String).str.strip_chars()
        kept = df.filter(cells.is_in(values))
        if kept.height == 0:
            seen = sorted(v for v in df.get_column(col).cast(pl.String).str.strip_chars().unique().to_list() if v)
            raise ctx.fail(f"indicator {indicator_id}: no row has {col!r} equal to {values}; "
                           f"the column holds {seen[:12]} (renamed category, or wrong sheet?)")
        df = kept
    return df


def parse(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    df = read_table(ctx)
    if dataset.kind == "reference":
        return _reference(ctx, df)
    o = ctx.options
    if o.get("unpivot"):
        df = _unpivot_table(ctx, df, o["unpivot"])
    null_tokens = [str(t) for t in o.get("null_tokens") or []]
    base = df.with_columns(
        _field(ctx, df, o.get("area_code"), "area_code").alias("area_code"),
        (_field(ctx, df, o["area_name"], "area_name") if o.get("area_name") else pl.lit(None, pl.String))
        .alias("area_name"),
        _field(ctx, df, o.get("period"), "period").alias("period_label"),
    ).filter(pl.col("area_code").is_not_null() & (pl.col("area_code") != ""))
    parts = []
    for spec in dataset.indicator_specs:
        so = spec.options
        if "value" not in so:
            raise ctx.fail(f"indicator {spec.id}: the registry gives no value column")
        part = _where(ctx, base, so.get("where"), spec.id).with_columns(pl.lit(spec.id).alias("indicator_id"),
                                 pl.lit(so.get("sex", o.get("sex"))).cast(pl.String).alias("sex"),
                                 pl.lit(so.get("age", o.get("age"))).cast(pl.String).alias("age"))
        part = to_number(ctx, part, _col(ctx, df, so["value"]), "value", note_out="value_note",
                         extra_tokens=null_tokens)
        for measure in ("count", "denominator", "lower_ci", "upper_ci"):
            if so.get(measure) is not None:
                part = to_number(ctx, part, _col(ctx, df, so[measure]), measure, extra_tokens=null_tokens)
        if so.get("count_multiplier") and "count" in part.columns:
            part = part.with_columns(pl.col("count") * float(so["count_multiplier"]))
        keep = ["indicator_id", "area_code", "area_name", "period_label", "sex", "age", "value", "value_note"]
        keep += [m for m in ("count", "denominator", "lower_ci", "upper_ci") if m in part.columns]
        parts.append(part.select(keep))
    out = pl.concat(parts, how="diagonal")
    default = o.get("period_type")
    ptypes = {i.id: i.options.get("period_type", default) for i in dataset.indicator_specs}
    out = conform(ctx, out, area_level=dataset.area_level, area_names=registry.area_names, period_types=ptypes)
    if o.get("duplicate_periods") == "keep_first":
        key = ["indicator_id", "area_code", "period_label", "sex", "age", "category_type", "category"]
        out = out.unique(subset=key, keep="first", maintain_order=True)
    return out


def _reference(ctx: FileContext, df: pl.DataFrame) -> pl.DataFrame:
    o = ctx.options
    columns: dict[str, Any] = o.get("columns") or {}
    exprs = [pl.col(_col(ctx, df, ref)).cast(pl.String).str.strip_chars().alias(out) for out, ref in columns.items()]
    unpivot = o.get("unpivot")
    value_cols: list[str] = []
    if unpivot:
        pattern = re.compile(unpivot["pattern"])
        value_cols = [c for c in df.columns if pattern.fullmatch(c.strip())]
        if not value_cols:
            raise ctx.fail(f"no columns match {unpivot['pattern']!r}; the table has {df.columns}")
        exprs += [pl.col(c) for c in value_cols]
    out = df.select(exprs)
    first = next(iter(columns))
    out = out.filter(pl.col(first).is_not_null() & (pl.col(first) != ""))
    if unpivot:
        out = out.unpivot(index=list(columns), on=value_cols, variable_name=unpivot["name"],
                          value_name=unpivot["value"])
        out = out.with_columns(pl.col(unpivot["name"]).str.strip_chars()
                               .str.extract(unpivot["pattern"], 1).cast(TYPES[unpivot.get("name_type", "string")]))
        out = to_number(ctx, out, unpivot["value"], unpivot["value"])
        out = out.with_columns(pl.col(unpivot["value"]).cast(TYPES[unpivot.get("value_type", "float")]))
    for c in o.get("title_case") or []:
        out = out.with_columns(pl.when(pl.col(c) == pl.col(c).str.to_uppercase())
                               .then(pl.col(c).str.to_titlecase()).otherwise(pl.col(c)).alias(c))
    for c, t in (o.get("types") or {}).items():
        if t == "string":
            continue
        out = to_number(ctx, out, c, c).with_columns(pl.col(c).cast(TYPES[t]))
    return out
