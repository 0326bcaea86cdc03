"""Tables in spreadsheets (xlsx/xls/ods via calamine/fastexcel) or CSV, optionally inside a zip.

Reading options (dataset ``options``, overridden per file by the file's ``options``): ``zip_member`` (glob of
the member to read; its extension says which format is expected), ``sheet`` (name or 0-based position) or
``sheet_starts_with`` (the one sheet whose name starts with this text, e.g. a publisher's sheet number "10. "
when the title after it varies between editions), ``header_row`` (0-based) or ``header_starts_with`` (the
first row whose first cell equals this text, compared with surrounding spaces stripped), ``header_rows: 2`` (a
group row above the header row; names become "group:name", the group carried right across merged cells).
Column references are header names (compared with surrounding spaces stripped) or 0-based positions.

A :class:`Workbook` reads the file (or zip member) once. Its bytes must be the format the file or member name
says (see :func:`workbook_kind`): an old ``.xls`` is BIFF in an OLE2 container, ``.xlsx``/``.xlsm``/``.xlsb``
and ``.ods`` are zip packages told apart by their members; a mismatch (an xlsx where an xls or an ods was
expected, or the reverse) is an error naming the member. Numbers keep the stored double's full precision
(calamine's text of a number cell has only 10 significant digits; see :func:`_full_precision`). A named sheet
that is not in the workbook raises :class:`SheetMissing` (a ParseError naming the sheet and the sheets the
workbook has); the ingest stage reports the dataset unavailable instead of failing when the dataset says
``sheet_missing: unavailable`` (e.g. a partial copy of a workbook; see ``ingest.sources.stage``).

Indicator datasets: ``area_code``/``area_name``/``period``/``category_type``/``category`` each ``{column:
ref}`` or ``{value: text}``; ``area_code`` may also be ``{from_name: ref}`` for files that name areas without
codes: each name maps to its GSS code through the warehouse's area reference
(``ingest.sources.areas.code_for_name``, names and aliases in ``seeds/reference/london_areas.csv``; the names
also fill ``area_name`` unless it is given), and a name that does not map is an error naming the sheet and the
name (never a silent drop). ``period_type``; per indicator ``value`` (ref), optional
``count``/``denominator``/``lower_ci``/``upper_ci`` (refs), ``count_multiplier``, ``sex``/``age`` constants,
``where`` ({column ref: text or list of texts}: only the rows whose cells equal one of them, compared with
surrounding spaces stripped, e.g. one frequency of a table that stacks several; an error naming what the
column holds when no row matches). ``null_ci_without_value: true`` blanks the CIs of rows whose value is
missing (workbooks that write a missing value as an empty cell with 0 for both limits). ``duplicate_periods:
keep_first`` drops later rows that repeat an (area, period) (default: an error). ``area_types`` (see
``conform.keep_areas``) adds e.g. ``sub_region`` (Inner/Outer London) to the areas kept. ``unpivot``
({pattern, name, value}) first turns a table with one column per period into long rows: the headers matching
``pattern`` (a regex with one group) become column ``name`` (the group's text) and their cells column
``value``; ``period``/``value`` then refer to those columns (e.g. DfT's CW03xx tables, one column per survey
year). ``null_tokens`` (list) adds publisher markers that mean "no value" to the shared suppression tokens
(e.g. DfT's ``[note 6]``, ``[x]``): such cells become null with the token kept in ``value_note``, in the value
and in the count/denominator/CI columns.

Counts published only by category (e.g. MHCLG affordable housing completions, one row per tenure):
``category_total`` adds the headline row the publisher does not print, per indicator, area, period, sex and
age: the sum of that area's category rows, with ``category_type``/``category`` null (the total of all
categories), so the warehouse's headline series and London derivation work as for any other indicator. Only
for counts (a sum of rates or percentages means nothing): the registry test checks the catalogue says
``count``. A category row without a value makes the total null (the note says how many were missing); rows
that already lack a category (a total the file does print) are an error, as the sum would count them twice.
``category_total: {absent_is_zero: true}`` is for a publisher that omits rows with nothing to count (no row =
zero completions): every area of the file gets a total for every period of the file, 0 where it has no row,
with a value note saying so. Use it only where that is the publisher's rule, and where the file's areas existed
in all its periods (the London boroughs do).

Breakdowns published as one sheet each (e.g. ONS ASHE: All, Male, Female, Full-Time, ...): ``sheets`` is a
list of ``{sheet: name, sex: ..., age: ..., category_type: ..., category: ...}``; every sheet is read with the
same header and column options, and its constants override the indicator's (``sex``/``age``) or set the
breakdown (``category_type``/``category``, over the dataset's ``category_type``/``category`` fields if any;
else null for the headline sheet). ``skip_empty_values: true`` drops rows whose value cell is empty (a sheet
that has no estimate for an area), while a suppression token (``x``, ``:``, ``..``...) stays a row with a null
value and the token in ``value_note``.

Reference datasets: ``columns`` (output -> ref), ``types`` (output -> string|float|int), ``title_case``
(columns whose ALL-CAPS values become Title Case, e.g. ONS "LONDON"), ``unpivot`` ({pattern: regex with one
group over header names, name: column for the group, value: column for the cell, name_type, value_type}; the
cells are parsed as numbers, unlike an indicator dataset's ``unpivot``, which keeps them as text for the
value/measure columns), ``pivot`` (a long/tidy table made wide: {column: ref of the column whose values name
the output columns, names: {value in that column: output prefix}, values: {output suffix: ref}, types:
{suffix: type}}; each key of ``columns`` (e.g. area_code, area_name) gets one row with a ``<prefix>_<suffix>``
column per pair. Every value of that column must be listed in ``names`` and present, and every key row must
carry each of them exactly once, else an error names the value or key).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from pathlib import PurePath
from typing import Any

import polars as pl

from ingest.sources.areas import code_for_name
from ingest.sources.conform import FileContext, ParseError, conform, read_member, to_number

TYPES = {"string": pl.String, "float": pl.Float64, "int": pl.Int64}
SHEET_KEYS = {"sheet", "sex", "age", "category_type", "category"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file container of BIFF .xls workbooks
ZIP = b"PK\x03\x04"  # .xlsx/.xlsm/.xlsb/.ods packages
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# declared extension -> (the workbook kind its bytes must be, see workbook_kind; what that is, for messages)
EXPECTED = {"xls": ("xls", "an old Excel .xls workbook (BIFF, OLE2 container)"),
            "xlsx": ("xlsx", "an Excel .xlsx workbook (zip package)"),
            "xlsm": ("xlsx", "an Excel .xlsm workbook (zip package)"),
            "xlsb": ("xlsb", "an Excel .xlsb workbook (zip package)"),
            "ods": ("ods", "an OpenDocument .ods spreadsheet (zip package)")}
# workbook_kind -> what the bytes are, for messages
ACTUAL = {"xls": "an old Excel .xls workbook (BIFF, OLE2 container)",
          "xlsx": "a zip package (.xlsx/.ods) holding an Excel .xlsx workbook",
          "xlsb": "a zip package (.xlsx/.ods) holding an Excel .xlsb workbook",
          "ods": "a zip package (.xlsx/.ods) holding an OpenDocument .ods spreadsheet",
          "zip": "a zip package (.xlsx/.ods) that is neither an Excel workbook nor an OpenDocument spreadsheet",
          None: "neither an .xls (OLE2) nor an .xlsx/.ods (zip) file"}


class SheetMissing(ParseError):
    """The workbook has no sheet the registry names (``sheet`` is what was asked for)."""

    def __init__(self, message: str, sheet: str, reason: str):
        super().__init__(message)
        self.sheet = sheet
        self.reason = reason  # one short line for status reports: which sheet, which file


def workbook_kind(data: bytes) -> str | None:
    """What a workbook's bytes are, whatever the file is called: "xls" (OLE2 container), "ods" (zip with the
    OpenDocument spreadsheet ``mimetype`` member), "xlsb" / "xlsx" (zip with ``xl/workbook.bin`` /
    ``xl/workbook.xml`` or another Office Open XML package), "zip" (another zip), or None."""
    if data.startswith(OLE2):
        return "xls"
    if not data.startswith(ZIP):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names and zf.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "xl/workbook.xml" in names or "[Content_Types].xml" in names:
                return "xlsx"
    except zipfile.BadZipFile:
        return None
    return "zip"


class Workbook:
    """The bytes of one file (or zip member), opened once and read sheet by sheet as string grids."""

    def __init__(self, ctx: FileContext):
        self.ctx = ctx
        data, self.name = read_member(ctx)
        ext = PurePath(self.name).suffix.lstrip(".").lower()
        if not ctx.options.get("zip_member"):
            ext = str(ctx.options.get("table_ext") or ext).lower()
        self.ext = ext
        self.csv: pl.DataFrame | None = None
        self.reader: Any = None
        if ext == "csv":
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ctx.fail(f"{self.name!r} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                               f"{exc.start}); re-save the file as UTF-8") from exc
            try:
                self.csv = pl.read_csv(io.StringIO(text), has_header=False, infer_schema=False)
            except pl.exceptions.PolarsError as exc:
                raise ctx.fail(f"{self.name!r} cannot be read as CSV: {exc}") from exc
            return
        if ext in EXPECTED:
            found = workbook_kind(data)
            if found != EXPECTED[ext][0]:
                raise ctx.fail(f"{self.name!r} should be {EXPECTED[ext][1]} but its bytes are {ACTUAL[found]}; "
                               "the publisher changed the file format (update the registry's zip_member/ext), "
                               "the file was re-saved in another format, or it is damaged")
        import fastexcel

        try:
            self.reader = fastexcel.read_excel(data)
        except Exception as exc:  # calamine raises its own error types
            raise ctx.fail(f"{self.name!r} cannot be read as a spreadsheet ({ext}): {exc}") from exc

    def _missing(self, what: str, sheet: str) -> SheetMissing:
        names = list(self.reader.sheet_names)
        message = self.ctx.fail(f"{self.name!r} has {what}; the workbook has sheets {names}").args[0]
        where = self.ctx.mirror_path or self.ctx.url or self.name
        return SheetMissing(message, sheet, f"{what} in {where} ({len(names)} sheets)")

    def sheet_starting_with(self, prefix: str) -> str:
        """The one sheet whose name starts with ``prefix`` (SheetMissing when none does)."""
        if self.csv is not None:
            return prefix
        hits = [n for n in self.reader.sheet_names if n.startswith(prefix)]
        if len(hits) > 1:
            raise self.ctx.fail(f"{self.name!r}: more than one sheet starts with {prefix!r}: {hits}")
        if not hits:
            raise self._missing(f"no sheet starting with {prefix!r}", prefix)
        return hits[0]

    def grid(self, sheet: Any) -> pl.DataFrame:
        """The raw cell grid of ``sheet`` (name or 0-based position) as strings, no header interpretation,
        numbers at full precision (:func:`_full_precision`). A sheet name the workbook lacks raises
        :class:`SheetMissing`."""
        if self.csv is not None:
            return self.csv
        names = self.reader.sheet_names
        if isinstance(sheet, str) and sheet not in names:
            raise self._missing(f"no sheet {sheet!r}", sheet)
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise self.ctx.fail(f"{self.name!r} has no sheet at position {sheet}; the workbook has sheets {names}")
        try:
            grid = self.reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
            numbers = self.reader.load_sheet(sheet, header_row=None, dtypes="float").to_polars()
        except Exception as exc:
            raise self.ctx.fail(f"{self.name!r} sheet {sheet!r} cannot be read: {exc}") from exc
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
        parsed = text.str.strip_chars().cast(pl.Float64, strict=False)
        num = pl.col("__num")
        rounded = (num.is_not_null() & parsed.is_not_null() & (parsed != num)
                   & ((parsed - num).abs() <= 1e-9 * pl.max_horizontal(pl.lit(1.0), num.abs())))
        out.append(grid.select(text, numbers.get_column(n).alias("__num")).select(
            pl.when(rounded).then(num.cast(pl.String)).otherwise(text).alias(c)).to_series())
    return pl.DataFrame(out)


def _default_sheet(ctx: FileContext, book: Workbook) -> Any:
    """The sheet the options name: ``sheet_starts_with`` (resolved in the workbook) or ``sheet`` (default 0)."""
    if ctx.options.get("sheet_starts_with") is not None:
        return book.sheet_starting_with(str(ctx.options["sheet_starts_with"]))
    return ctx.options.get("sheet", 0)


def _read_grid(ctx: FileContext) -> pl.DataFrame:
    """The raw cell grid as strings, no header interpretation."""
    book = Workbook(ctx)
    return book.grid(_default_sheet(ctx, book))


def read_table(ctx: FileContext, book: Workbook | None = None, sheet: Any = None) -> pl.DataFrame:
    """The table with its header applied: string columns named by the header row(s)."""
    book = book or Workbook(ctx)
    sheet = _default_sheet(ctx, book) if sheet is None else sheet
    grid = book.grid(sheet)
    if grid.height == 0:
        raise ctx.fail(f"sheet {sheet!r} is empty")
    first = grid.get_column(grid.columns[0]).cast(pl.String)
    if "header_starts_with" in ctx.options:
        target = str(ctx.options["header_starts_with"]).strip()
        hits = [i for i, v in enumerate(first.to_list()) if v is not None and v.strip() == target]
        if not hits:
            raise ctx.fail(f"no header row starting with {target!r} in sheet {sheet!r} "
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
        raise ctx.fail(f"sheet {sheet!r}: the table has a header but no data rows")
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


def _area_code(ctx: FileContext, df: pl.DataFrame, spec: Any, sheet: Any) -> pl.Expr:
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
        where = "" if ctx.part else f"sheet {sheet!r}: "  # a part already names the sheet
        raise ctx.fail(f"{where}area name(s) {', '.join(repr(n) for n in unmapped)} in column {col!r} "
                       "do not map to a GSS code in the warehouse's area reference "
                       "(seeds/reference/london_areas.csv); add the spelling as an alias there if it is a London area")
    return pl.col(col).cast(pl.String).str.strip_chars().replace_strict(mapping, default=None, return_dtype=pl.String)


def _sheet_specs(ctx: FileContext, book: Workbook) -> list[dict[str, Any]]:
    """The ``sheets`` option (one entry per breakdown sheet), or the single ``sheet``/``sheet_starts_with``."""
    specs = ctx.options.get("sheets")
    if specs is None:
        return [{"sheet": _default_sheet(ctx, book)}]
    if not isinstance(specs, list) or not specs:
        raise ctx.fail(f"registry option 'sheets' must be a non-empty list of {{sheet: ..., sex/category...}}, "
                       f"got {specs!r}")
    for spec in specs:
        if not isinstance(spec, dict) or "sheet" not in spec or set(spec) - SHEET_KEYS:
            raise ctx.fail(f"registry option 'sheets': each entry needs 'sheet' and may set only "
                           f"{sorted(SHEET_KEYS - {'sheet'})}, got {spec!r}")
        if ("category_type" in spec) != ("category" in spec):
            raise ctx.fail(f"registry option 'sheets': {spec!r} must give both category_type and category")
    names = [str(s["sheet"]) for s in specs]
    if len(set(names)) != len(names):
        raise ctx.fail(f"registry option 'sheets' lists a sheet twice: {names}")
    return specs


def _unpivot_table(ctx: FileContext, df: pl.DataFrame, spec: Any) -> pl.DataFrame:
    """Columns whose header matches ``spec['pattern']`` -> long rows: ``spec['name']`` (the pattern's group)
    and ``spec['value']`` (the cell, still text); every other column is kept on each row."""
    if not isinstance(spec, dict):
        raise ctx.fail(f"registry option 'unpivot' must be {{pattern, name, value}}, got {spec!r}")
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
        kept = df.filter(pl.col(col).cast(pl.String).str.strip_chars().is_in(values))
        if kept.height == 0:
            seen = sorted(v for v in df.get_column(col).cast(pl.String).str.strip_chars().unique().to_list() if v)
            raise ctx.fail(f"indicator {indicator_id}: no row has {col!r} equal to {values}; "
                           f"the column holds {seen[:12]} (renamed category, or wrong sheet?)")
        df = kept
    return df


def parse(ctx: FileContext, dataset: Any, source: Any, registry: Any) -> pl.DataFrame:
    book = Workbook(ctx)
    if dataset.kind == "reference":
        return _reference(ctx, read_table(ctx, book))
    o = ctx.options
    parts = []
    null_tokens = [str(t) for t in o.get("null_tokens") or []]
    specs = _sheet_specs(ctx, book)
    area_name = o.get("area_name")
    if area_name is None and isinstance(o.get("area_code"), dict) and "from_name" in o["area_code"]:
        area_name = {"column": o["area_code"]["from_name"]}
    for sheet in specs:
        # messages about one of several sheets name it
        sctx = replace(ctx, part=f"sheet {sheet['sheet']!r}") if len(specs) > 1 else ctx
        df = read_table(sctx, book, sheet["sheet"])
        if o.get("unpivot"):
            df = _unpivot_table(sctx, df, o["unpivot"])
        base = df.with_columns(
            _area_code(sctx, df, o.get("area_code"), sheet["sheet"]).alias("area_code"),
            (_field(sctx, df, area_name, "area_name") if area_name else pl.lit(None, pl.String)).alias("area_name"),
            _field(sctx, df, o.get("period"), "period").alias("period_label"),
            # a breakdown read from columns of the sheet (a per-sheet constant in ``sheets`` overrides it below)
            *((_field(sctx, df, o[k], k) if o.get(k) else pl.lit(None, pl.String)).alias(k)
              for k in ("category_type", "category")),
        ).filter(pl.col("area_code").is_not_null() & (pl.col("area_code") != ""))
        for spec in dataset.indicator_specs:
            so = spec.options
            if "value" not in so:
                raise ctx.fail(f"indicator {spec.id}: the registry gives no value column")
            value_col = _col(sctx, df, so["value"])
            part = _where(sctx, base, so.get("where"), spec.id)
            if o.get("skip_empty_values"):
                part = part.filter(pl.col(value_col).cast(pl.String).str.strip_chars().fill_null("") != "")
            consts = {k: sheet.get(k, so.get(k, o.get(k))) for k in ("sex", "age")}
            consts |= {k: sheet[k] for k in ("category_type", "category") if k in sheet}
            part = part.with_columns(pl.lit(spec.id).alias("indicator_id"),
                                     *(pl.lit(v).cast(pl.String).alias(k) for k, v in consts.items()))
            part = to_number(sctx, part, value_col, "value", note_out="value_note", extra_tokens=null_tokens)
            for measure in ("count", "denominator", "lower_ci", "upper_ci"):
                if so.get(measure) is not None:
                    part = to_number(sctx, part, _col(sctx, df, so[measure]), measure, extra_tokens=null_tokens)
            if so.get("count_multiplier") and "count" in part.columns:
                part = part.with_columns(pl.col("count") * float(so["count_multiplier"]))
            if o.get("null_ci_without_value"):
                part = part.with_columns(*(pl.when(pl.col("value").is_null()).then(None).otherwise(pl.col(m)).alias(m)
                                           for m in ("lower_ci", "upper_ci") if m in part.columns))
            keep = ["indicator_id", "area_code", "area_name", "period_label", "sex", "age", "category_type",
                    "category", "value", "value_note"]
            keep += [m for m in ("count", "denominator", "lower_ci", "upper_ci") if m in part.columns]
            parts.append(part.select(keep))
            if o.get("category_total"):
                parts.append(_category_total(sctx, part.select(keep), base, o["category_total"], spec.id, consts))
    out = pl.concat(parts, how="diagonal")
    default = o.get("period_type")
    ptypes = {i.id: i.options.get("period_type", default) for i in dataset.indicator_specs}
    out = conform(ctx, out, area_level=dataset.area_level, area_names=registry.area_names, period_types=ptypes,
                  indicator_options={i.id: i.options for i in dataset.indicator_specs})
    if o.get("duplicate_periods") == "keep_first":
        key = ["indicator_id", "area_code", "period_label", "sex", "age", "category_type", "category"]
        out = out.unique(subset=key, keep="first", maintain_order=True)
    return out


ZERO_NOTE = ("0: the file has no row for this area and period, and the publisher omits rows with nothing to count "
             "(registry option category_total.absent_is_zero)")


def _category_total(ctx: FileContext, part: pl.DataFrame, base: pl.DataFrame, spec: Any, indicator_id: str,
                    consts: dict[str, Any]) -> pl.DataFrame:
    """The headline rows of option ``category_total`` (module docstring): per area and period, the sum of the
    category rows of one indicator; with ``absent_is_zero``, 0 for each area x period of the file (``base``,
    before any ``where``) that has no row."""
    if spec is True:
        spec = {}
    if not isinstance(spec, dict) or set(spec) - {"absent_is_zero"}:
        raise ctx.fail(f"registry option 'category_total' must be true or {{absent_is_zero: true|false}}, got {spec!r}")
    uncategorised = part.filter(pl.col("category").is_null() | (pl.col("category").str.strip_chars() == ""))
    if uncategorised.height:
        r = uncategorised.row(0, named=True)
        raise ctx.fail(f"indicator {indicator_id}: option category_total sums the category rows, but "
                       f"{uncategorised.height} row(s) have no category (e.g. {r['area_code']} {r['period_label']}): "
                       "does the file already print a total? (set category from a column that every row fills)")
    key = ["area_code", "period_label"]
    totals = part.group_by(key, maintain_order=True).agg(
        pl.col("area_name").first(),
        pl.col("value").sum().alias("__sum"),
        pl.col("value").null_count().alias("__missing"),
        pl.len().alias("__rows"),
    ).with_columns(
        pl.when(pl.col("__missing") == 0).then(pl.col("__sum")).otherwise(None).alias("value"),
        pl.when(pl.col("__missing") == 0).then(None).otherwise(pl.concat_str(
            pl.lit("total not computed: "), pl.col("__missing").cast(pl.String), pl.lit(" of its "),
            pl.col("__rows").cast(pl.String), pl.lit(" category values are missing or suppressed"))).alias("value_note"),
    ).drop("__sum", "__missing", "__rows")
    if spec.get("absent_is_zero"):
        areas = base.select("area_code", "area_name").unique(subset=["area_code"], keep="first", maintain_order=True)
        periods = base.select("period_label").unique(maintain_order=True)
        absent = areas.join(periods, how="cross").join(totals, on=key, how="anti")
        totals = pl.concat([totals, absent.with_columns(pl.lit(0.0).alias("value"), pl.lit(ZERO_NOTE).alias("value_note"))],
                           how="diagonal")
    return totals.with_columns(
        pl.lit(indicator_id).alias("indicator_id"),
        *(pl.lit(consts.get(k)).cast(pl.String).alias(k) for k in ("sex", "age")),
        pl.lit(None, pl.String).alias("category_type"), pl.lit(None, pl.String).alias("category"),
    ).select("indicator_id", "area_code", "area_name", "period_label", "sex", "age", "category_type", "category",
             "value", "value_note")


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
    pivot = o.get("pivot")
    if pivot:
        exprs += _pivot_inputs(ctx, df, pivot)
    out = df.select(exprs)
    first = next(iter(columns))
    out = out.filter(pl.col(first).is_not_null() & (pl.col(first) != ""))
    if pivot:
        out = _pivot(ctx, out, list(columns), pivot)
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


def _pivot_inputs(ctx: FileContext, df: pl.DataFrame, pivot: dict[str, Any]) -> list[pl.Expr]:
    """The name column and the value columns of a ``pivot`` option, under private names."""
    for field in ("column", "names", "values"):
        if not pivot.get(field):
            raise ctx.fail(f"registry option 'pivot' needs {field!r} (column: ref, names: {{value: prefix}}, "
                           "values: {suffix: ref})")
    exprs = [pl.col(_col(ctx, df, pivot["column"])).cast(pl.String).str.strip_chars().alias("__on")]
    exprs += [pl.col(_col(ctx, df, ref)).cast(pl.String).alias(f"__value:{suffix}")
              for suffix, ref in pivot["values"].items()]
    return exprs


def _pivot(ctx: FileContext, out: pl.DataFrame, index: list[str], pivot: dict[str, Any]) -> pl.DataFrame:
    """Long rows (key columns, ``__on``, ``__value:<suffix>``) to one row per key with a typed
    ``<prefix>_<suffix>`` column per (name, value) pair."""
    names: dict[str, str] = {str(k).strip(): v for k, v in pivot["names"].items()}
    on_ref = pivot["column"]
    found = set(out.get_column("__on").drop_nulls().to_list())
    unknown = sorted(found - set(names))
    if unknown:
        raise ctx.fail(f"column {on_ref!r} has value(s) the registry's pivot names do not list: "
                       f"{', '.join(repr(u) for u in unknown)} (a new or renamed index/domain?)")
    absent = [n for n in names if n not in found]
    if absent:
        raise ctx.fail(f"column {on_ref!r} lacks value(s) {', '.join(repr(a) for a in absent)} "
                       "(renamed or dropped by the publisher?)")
    key = index[0]
    counts = out.group_by(key, "__on").len()
    repeated = counts.filter(pl.col("len") > 1)
    if repeated.height:
        r = repeated.row(0, named=True)
        raise ctx.fail(f"{repeated.height} ({key}, {on_ref}) pair(s) occur more than once, "
                       f"e.g. {r[key]!r} / {r['__on']!r}")
    short = counts.group_by(key).len().filter(pl.col("len") < len(names))
    if short.height:
        k = short.get_column(key)[0]
        have = set(counts.filter(pl.col(key) == k).get_column("__on").to_list())
        raise ctx.fail(f"{short.height} {key} value(s) lack rows for some {on_ref!r} values, e.g. {k!r} has "
                       f"no {', '.join(repr(n) for n in names if n not in have)}")
    suffixes = list(pivot["values"])
    wide = out.select(index).unique(subset=[key], keep="first", maintain_order=True)
    if wide.height != out.select(index).unique().height:
        raise ctx.fail(f"the columns {index} are not constant for each {key} across the {on_ref!r} rows")
    for label, prefix in names.items():
        part = out.filter(pl.col("__on") == label).select(
            key, *[pl.col(f"__value:{s}").alias(f"{prefix}_{s}") for s in suffixes])
        wide = wide.join(part, on=key, how="left", maintain_order="left")
    types = pivot.get("types") or {}
    for suffix, t in types.items():
        if suffix not in suffixes:
            raise ctx.fail(f"registry option pivot.types names {suffix!r}, which is not in pivot.values")
        if t == "string":
            continue
        for prefix in names.values():
            c = f"{prefix}_{suffix}"
            wide = to_number(ctx, wide, c, c).with_columns(pl.col(c).cast(TYPES[t]))
    return wide
