"""Tables in spreadsheets (xlsx/xls via calamine/fastexcel) or CSV, optionally inside a zip.

Reading options (dataset ``options``, overridden per file by the file's ``options``):
``zip_member`` (glob of the member to read), ``sheet`` (name or 0-based position) or ``sheet_starts_with``
(the one sheet whose name starts with this text, e.g. a publisher's sheet number "10. " when the title after
it varies between editions), ``header_row`` (0-based) or
``header_starts_with`` (the first row whose first cell equals this text), ``header_rows: 2`` (a group row
above the header row; names become "group:name", the group carried right across merged cells).
Column references are header names (compared with surrounding spaces stripped) or 0-based positions.

A named sheet that is not in the workbook raises :class:`SheetMissing` (a ParseError naming the sheet and the
sheets the workbook has); the ingest stage reports the dataset unavailable instead of failing when the
dataset says ``sheet_missing: unavailable`` (e.g. a partial copy of a workbook).
An ``xlsx`` file whose bytes are an old binary ``xls`` workbook (or the reverse, or not a workbook at all, e.g.
an HTML page) is an error: the publisher changed format, and the registry's ``ext`` must say so. A dataset may
read several sheets of one file (option ``sheets``, handled by the ingest stage; see ``ingest.sources.stage``).

Indicator datasets: ``area_code``/``area_name``/``period``/``category_type``/``category`` each ``{column: ref}``
or ``{value: text}``; ``area_code`` may also be ``{from_name: ref}`` for files that name areas without codes:
each name maps to its GSS code through the warehouse's area reference (``ingest.sources.areas.code_for_name``,
names and aliases in ``seeds/reference/london_areas.csv``), and a name that does not map is an error naming
the sheet and the name (never a silent drop). ``period_type``; per indicator ``value`` (ref), optional
``count``/``denominator``/``lower_ci``/``upper_ci`` (refs), ``count_multiplier``, ``sex``/``age`` constants.
``null_ci_without_value: true`` blanks the CIs of rows whose value is missing (workbooks that write a missing
value as an empty cell with 0 for both limits). ``duplicate_periods: keep_first`` drops later rows that repeat
an (area, period) (default: an error).

Reference datasets: ``columns`` (output -> ref), ``types`` (output -> string|float|int), ``title_case``
(columns whose ALL-CAPS values become Title Case, e.g. ONS "LONDON"), ``unpivot`` ({pattern: regex with one
group over header names, name: column for the group, value: column for the cell, name_type, value_type}).
"""

from __future__ import annotations

import io
import re
from typing import Any

import polars as pl

from ingest.sources.areas import code_for_name
from ingest.sources.conform import FileContext, ParseError, conform, read_bytes, read_text, to_number

TYPES = {"string": pl.String, "float": pl.Float64, "int": pl.Int64}
# Leading bytes of the two workbook containers: xlsx is a zip (OOXML), xls an OLE2 compound document.
_MAGIC = {"xlsx": b"PK\x03\x04", "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}


class SheetMissing(ParseError):
    """The workbook has no sheet the registry names (``sheet`` is what was asked for)."""

    def __init__(self, message: str, sheet: str, reason: str):
        super().__init__(message)
        self.sheet = sheet
        self.reason = reason  # one short line for status reports: which sheet, which file


def sheet_label(options: dict[str, Any]) -> str:
    """How the registry names the sheet, for messages."""
    if options.get("sheet_starts_with") is not None:
        return f"starting with {str(options['sheet_starts_with'])!r}"
    return repr(options.get("sheet", 0))


def _pick_sheet(ctx: FileContext, names: list[str]) -> str | int:
    prefix = ctx.options.get("sheet_starts_with")
    if prefix is not None:
        hits = [n for n in names if n.startswith(str(prefix))]
        if len(hits) > 1:
            raise ctx.fail(f"more than one sheet starts with {str(prefix)!r}: {hits}")
        if not hits:
            what = f"no sheet starting with {str(prefix)!r}"
            raise SheetMissing(ctx.fail(f"{what} in this workbook; the workbook has sheets {names}").args[0],
                               str(prefix), f"{what} in {ctx.mirror_path or ctx.url} ({len(names)} sheets)")
        return hits[0]
    sheet = ctx.options.get("sheet", 0)
    if isinstance(sheet, str) and sheet not in names:
        raise SheetMissing(ctx.fail(f"no sheet {sheet!r} in this workbook; the workbook has sheets {names}").args[0],
                           sheet, f"sheet {sheet!r} is not in {ctx.mirror_path or ctx.url} ({len(names)} sheets)")
    return sheet


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
    if ext in _MAGIC and not data.startswith(_MAGIC[ext]):
        for other, magic in _MAGIC.items():
            if data.startswith(magic):
                raise ctx.fail(f"expected an {ext} workbook but the bytes are an {other} workbook (the publisher "
                               f"changed format?); set ext: {other} in the registry once checked")
        raise ctx.fail(f"expected an {ext} workbook but the file starts with {data[:24]!r} (an HTML page, or "
                       "another format?)")
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # calamine raises its own error types
        raise ctx.fail(f"cannot be read as a spreadsheet ({ext}): {exc}") from exc
    sheet = _pick_sheet(ctx, list(reader.sheet_names))
    try:
        grid = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    except Exception as exc:
        raise ctx.fail(f"sheet {sheet!r} cannot be read: {exc}") from exc
    return grid


def read_table(ctx: FileContext) -> pl.DataFrame:
    """The table with its header applied: string columns named by the header row(s)."""
    grid = _read_grid(ctx)
    if grid.height == 0:
        raise ctx.fail(f"sheet {sheet_label(ctx.options)} is empty")
    first = grid.get_column(grid.columns[0]).cast(pl.String)
    if "header_starts_with" in ctx.options:
        target = str(ctx.options["header_starts_with"]).strip()
        hits = [i for i, v in enumerate(first.to_list()) if v is not None and v.strip() == target]
        if not hits:
            raise ctx.fail(f"no header row starting with {target!r} in sheet {sheet_label(ctx.options)} "
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
        raise ctx.fail(f"the table in sheet {sheet_label(ctx.options)} has a header but no data rows")
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


def _area_code(ctx: FileContext, df: pl.DataFrame, spec: Any) -> pl.Expr:
    """``{from_name: ref}``: GSS codes for the area names in column ``ref``; any name that does not map is an
    error naming the sheet and the name(s). Otherwise a plain ``{column:}``/``{value:}`` field."""
    if not (isinstance(spec, dict) and "from_name" in spec):
        return _field(ctx, df, spec, "area_code")
    col = _col(ctx, df, spec["from_name"])
    names = df.get_column(col).cast(pl.String).str.strip_chars()
    distinct = [n for n in names.unique(maintain_order=True).to_list() if n]
    mapping = {n: code_for_name(n) for n in distinct}
    unmapped = [n for n, c in mapping.items() if c is None]
    if unmapped:
        raise ctx.fail(f"sheet {sheet_label(ctx.options)}: area name(s) {', '.join(repr(n) for n in unmapped)} in "
                       f"column {col!r} do not map to a GSS code in the warehouse's area reference "
                       "(seeds/reference/london_areas.csv); add the spelling as an alias there if it is a London area")
    return pl.col(col).cast(pl.String).str.strip_chars().replace_strict(mapping, default=None, return_dtype=pl.String)


def parse(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    df = read_table(ctx)
    if dataset.kind == "reference":
        return _reference(ctx, df)
    o = ctx.options
    area_name = o.get("area_name")
    if area_name is None and isinstance(o.get("area_code"), dict) and "from_name" in o["area_code"]:
        area_name = {"column": o["area_code"]["from_name"]}
    optional = {c: (_field(ctx, df, o[c], c) if o.get(c) else pl.lit(None, pl.String)).alias(c)
                for c in ("area_name", "category_type", "category")}
    if area_name:
        optional["area_name"] = _field(ctx, df, area_name, "area_name").alias("area_name")
    base = df.with_columns(
        _area_code(ctx, df, o.get("area_code")).alias("area_code"),
        *optional.values(),
        _field(ctx, df, o.get("period"), "period").alias("period_label"),
    ).filter(pl.col("area_code").is_not_null() & (pl.col("area_code") != ""))
    parts = []
    for spec in dataset.indicator_specs:
        so = spec.options
        if "value" not in so:
            raise ctx.fail(f"indicator {spec.id}: the registry gives no value column")
        part = base.with_columns(pl.lit(spec.id).alias("indicator_id"),
                                 pl.lit(so.get("sex", o.get("sex"))).cast(pl.String).alias("sex"),
                                 pl.lit(so.get("age", o.get("age"))).cast(pl.String).alias("age"))
        part = to_number(ctx, part, _col(ctx, df, so["value"]), "value", note_out="value_note")
        for measure in ("count", "denominator", "lower_ci", "upper_ci"):
            if so.get(measure) is not None:
                part = to_number(ctx, part, _col(ctx, df, so[measure]), measure)
        if so.get("count_multiplier") and "count" in part.columns:
            part = part.with_columns(pl.col("count") * float(so["count_multiplier"]))
        if o.get("null_ci_without_value"):
            part = part.with_columns(*(pl.when(pl.col("value").is_null()).then(None).otherwise(pl.col(m)).alias(m)
                                       for m in ("lower_ci", "upper_ci") if m in part.columns))
        keep = ["indicator_id", "area_code", "area_name", "period_label", "sex", "age", "category_type", "category",
                "value", "value_note"]
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
