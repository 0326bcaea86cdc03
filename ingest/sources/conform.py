"""Shared parsing helpers: strict file reading, suppressed values, and conforming to the canonical shape.

Every parser (one per *format*, in ``ingest.sources.formats``) reads its file with these helpers and
returns either the canonical indicator frame (DESIGN.md section 3, :data:`CANONICAL`) or a typed
reference frame. Problems raise :class:`ParseError` (a :class:`HisError`) naming the source, the file and
what was wrong. Areas kept: the warehouse geography (``ingest.sources.areas``) of the area types in the
registry option ``area_types`` (default borough, region, country; ``sub_region`` adds Inner/Outer London).
"""

from __future__ import annotations

import csv
import fnmatch
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ingest.errors import HisError
from ingest.sources.periods import PERIOD_TYPES, declared_periods, normalise_label, parse_period

CANONICAL: list[tuple[str, pl.DataType]] = [
    ("indicator_id", pl.String()),
    ("area_code", pl.String()),
    ("area_name", pl.String()),
    ("area_type", pl.String()),
    ("period_label", pl.String()),
    ("period_start", pl.Date()),
    ("period_end", pl.Date()),
    ("sex", pl.String()),
    ("age", pl.String()),
    ("category_type", pl.String()),
    ("category", pl.String()),
    ("value", pl.Float64()),
    ("lower_ci", pl.Float64()),
    ("upper_ci", pl.Float64()),
    ("lower_ci_99_8", pl.Float64()),
    ("upper_ci_99_8", pl.Float64()),
    ("count", pl.Float64()),
    ("denominator", pl.Float64()),
    ("value_note", pl.String()),
    ("publisher_comparison_england", pl.String()),
    ("publisher_comparison_london", pl.String()),
    ("publisher_trend", pl.String()),
    ("source_id", pl.String()),
    ("snapshot_sha256", pl.String()),
]
CANONICAL_SCHEMA = pl.Schema(CANONICAL)
# The publisher's own judgements, kept word for word (never recomputed or inverted); null where a source gives none.
PUBLISHER_JUDGEMENTS = ["publisher_comparison_england", "publisher_comparison_london", "publisher_trend"]

# How publishers write a suppressed or missing value. Each becomes null (never zero), the token kept in the note.
SUPPRESSED = {"", "NA", "N/A", "*", "x", "X", "..", "c", ".", "-", ":", "#"}
from ingest.sources.areas import AREA_NAMES, AREA_TYPES, ENGLAND, LONDON, LONDON_BOROUGHS  # noqa: F401  (the one definition)

# Area types kept unless a dataset's ``area_types`` option says otherwise (Inner/Outer London, ``sub_region``,
# are opted into by the sources that publish them).
DEFAULT_AREA_TYPES = ("borough", "region", "country")


MAX_MEMBER_BYTES = 256 << 20  # default largest zip member read (option max_bytes overrides it per source)


class ParseError(HisError):
    """A file that does not have the shape its registry entry promises."""


@dataclass
class FileContext:
    """What a parser knows about the file it reads: for messages and for the snapshot columns."""

    source_id: str
    dataset_id: str
    file_id: str
    path: Path
    url: str
    mirror_path: str | None
    sha256: str
    options: dict[str, Any]
    # The part of the file being read, when a parser reads several (e.g. "sheet 'Male'"), for messages.
    part: str | None = None
    # What the file holds that is kept out but must not be dropped silently (e.g. an unknown borough code):
    # the ingest stage logs each line and hands it to gate 1, which reports it as an error naming the code.
    warnings: list[str] = field(default_factory=list)

    def where(self) -> str:
        shown = self.mirror_path or self.url
        part = f", {self.part}" if self.part else ""
        return f"source {self.source_id}, dataset {self.dataset_id}, file {shown} (snapshot {self.path.name}){part}"

    def fail(self, message: str) -> ParseError:
        return ParseError(f"{self.where()}: {message}")


def read_member(ctx: FileContext) -> tuple[bytes, str]:
    """The bytes to parse and their file name: the file itself, or the one zip member matching the
    ``zip_member`` glob (option), named in errors with the zip's member list."""
    data = ctx.path.read_bytes()
    if not data.strip():
        raise ctx.fail("the file is empty")
    name = ctx.path.name
    member = ctx.options.get("zip_member")
    if member:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n for n in zf.namelist() if fnmatch.fnmatch(Path(n).name, member)]
                if len(names) != 1:
                    raise ctx.fail(f"expected exactly one zip member matching {member!r}, found "
                                   f"{names or 'none'} (members: {zf.namelist()})")
                name = names[0]
                size = zf.getinfo(name).file_size
                limit = int(ctx.options.get("max_bytes") or MAX_MEMBER_BYTES)
                if size > limit:  # checked before reading: a small zip can hold a huge member
                    raise ctx.fail(f"zip member {name!r} is {size:,} bytes uncompressed, over the limit of "
                                   f"{limit:,} (option max_bytes)")
                data = zf.read(name)
        except zipfile.BadZipFile as exc:
            raise ctx.fail(f"not a valid zip archive ({exc})") from exc
        if not data.strip():
            raise ctx.fail(f"zip member {name!r} is empty")
    return data, name


def read_bytes(ctx: FileContext) -> bytes:
    return read_member(ctx)[0]


def read_text(ctx: FileContext) -> str:
    data = read_bytes(ctx)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ctx.fail(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line} (offset {exc.start}); "
                       "re-save the file as UTF-8") from exc
    return text


def check_csv_complete(ctx: FileContext, text: str) -> None:
    """A truncated CSV is an error naming the line: every record has the header's field count, no quoted field
    is left open, and the file ends with a newline (a cut inside the last record, e.g. a value ``24.2`` cut to
    ``2``, always leaves it without one). A publisher that writes no final newline can say so with the option
    ``final_newline: false``. A file cut exactly at a line end is complete CSV: gate 1's completeness checks
    (every borough for the previous accepted latest period, the row count) catch it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return
        width, last = len(header), 1
        ended = text.endswith(("\n", "\r"))
        for record in reader:
            if not record:
                continue
            last = reader.line_num
            if len(record) != width:
                at_end = reader.line_num >= text.count("\n") + (0 if ended else 1)
                cut = " (the last line, with no final newline: the file ends mid-record, a truncated download?)" \
                    if at_end and not ended else ""
                raise ctx.fail(f"line {reader.line_num}{cut} has {len(record)} field(s), the header has {width}")
    except csv.Error as exc:
        raise ctx.fail(f"line {reader.line_num} is not valid CSV ({exc}): an unterminated quote or a truncated "
                       "file?") from exc
    if not ended and ctx.options.get("final_newline", True):
        raise ctx.fail(f"line {last} (the last) has no final newline: the file ends mid-record, a truncated "
                       "download? (if this publisher writes no final newline, set the option final_newline: false)")


def check_cut_last_value(where: str, new: bytes, previous: bytes) -> None:
    """A CSV cut inside its last value with a newline added is an error naming the file and the line.

    Such a file passes :func:`check_csv_complete` when the cut field is the last of its record (same field
    count, final newline): ``...,24.2`` cut to ``...,2``. The rule, which cannot misfire on a real revision:
    the new file, without its final newline, is a byte-for-byte prefix of the previous accepted snapshot of
    the same URL, the previous snapshot goes on *inside the same line* (not at a line end: a file cut at a line
    end is complete CSV, and gate 1's completeness and row-count checks judge it), and the new last field is a
    strict prefix of the previous snapshot's value on that line, all other fields equal; and, for a number,
    it has fewer decimal places than every other value the file publishes in that column (the column's
    published digits). A real revision would have to change only that last value, to a prefix of itself, written
    with fewer decimals than the publisher uses anywhere else in the column: that is the publisher's own format
    ruling it out, so the rule does not fire on real revisions. A new edition truncated in the same way, whose
    earlier bytes differ, is not caught here (gate 1's completeness checks still apply)."""
    body = new[:-2] if new.endswith(b"\r\n") else new[:-1] if new.endswith(b"\n") else new
    if not body or len(body) >= len(previous) or not previous.startswith(body):
        return
    rest = previous[len(body):]
    if rest[:1] in (b"\n", b"\r"):
        return
    start = body.rfind(b"\n") + 1
    line_no = body.count(b"\n") + 1
    try:
        cut = next(csv.reader([body[start:].decode("utf-8-sig")]))
        whole = next(csv.reader([(body[start:] + rest.split(b"\n", 1)[0]).decode("utf-8-sig").rstrip("\r")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return
    if len(cut) != len(whole) or cut[:-1] != whole[:-1] or not whole[-1].startswith(cut[-1]):
        return
    places = _decimal_places(cut[-1])
    if places is not None:  # a number: the publisher never writes this column with so few decimals
        others = [_decimal_places(r[-1]) for r in csv.reader(io.StringIO(body[:start].decode("utf-8-sig"),
                                                                          newline="")) if len(r) == len(cut)]
        others = [p for p in others if p is not None]
        if not others or min(others) <= places:
            return
    raise ParseError(f"{where}: line {line_no} (the last) ends with {cut[-1]!r} where the previous accepted "
                     f"snapshot of this file has {whole[-1]!r} on the same line, and everything before it is "
                     "byte-identical: the file is that snapshot cut inside a value (a truncated download?)")


def _decimal_places(text: str) -> int | None:
    """Digits after the decimal point of a plain number ("24.2" -> 1, "2" -> 0), None if not a number."""
    try:
        float(text)
    except ValueError:
        return None
    return len(text.split(".", 1)[1]) if "." in text else 0


def read_csv(ctx: FileContext, required: list[str]) -> pl.DataFrame:
    """Read a CSV as all-string columns, check the required headers, and reject an empty table or a truncated
    file (:func:`check_csv_complete`)."""
    text = read_text(ctx)
    try:
        df = pl.read_csv(io.StringIO(text), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ctx.fail(f"cannot be read as CSV: {exc}") from exc
    df = apply_header_map(ctx, df)
    require_columns(ctx, df, required)
    check_csv_complete(ctx, text)
    if df.height == 0:
        raise ctx.fail("the file has a header but no data rows")
    return df


def apply_header_map(ctx: FileContext, df: pl.DataFrame) -> pl.DataFrame:
    """Registry option ``header_map`` ({column name in the file: the name the format expects}): rename the
    columns of a file whose header a republisher rewrote (e.g. a Fingertips export whose ``Indicator ID`` became
    ``IndicatorID``), so the file is read as published and the parser stays the format's own. Every name the
    map gives must be in the file's header and no two columns may end up with one name; either is an error
    naming the columns (a header changed again is found, never guessed). A mapped name the file lacks is
    accepted when the file already has the expected name: the official download of the same data, in the
    format's own layout, then reads through the same registry entry."""
    mapping = ctx.options.get("header_map")
    if not mapping:
        return df
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
                                                for k, v in mapping.items()):
        raise ctx.fail(f"registry option 'header_map' must map column names in the file to the names the format "
                       f"expects ({{file name: expected name}}), got {mapping!r}")
    mapping = {k: v for k, v in mapping.items() if k in df.columns or v not in df.columns}
    missing = [k for k in mapping if k not in df.columns]
    if missing:
        raise ctx.fail(f"registry option 'header_map' names column(s) {', '.join(repr(c) for c in missing)} that "
                       f"the file does not have; the file has {', '.join(repr(c) for c in df.columns)} "
                       "(the header changed again? update the map)")
    renamed = [mapping.get(c, c) for c in df.columns]
    clashes = sorted({n for n in renamed if renamed.count(n) > 1})
    if clashes:
        raise ctx.fail(f"registry option 'header_map' would give more than one column the name(s) "
                       f"{', '.join(repr(c) for c in clashes)}")
    return df.rename(mapping)


def require_columns(ctx: FileContext, df: pl.DataFrame, required: list[str]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ctx.fail(f"missing column(s) {', '.join(repr(c) for c in missing)}; "
                       f"the file has {', '.join(repr(c) for c in df.columns)} (renamed or wrong file?)")


def to_number(ctx: FileContext, df: pl.DataFrame, column: str, out: str, note_out: str | None = None,
              extra_tokens: list[str] | None = None) -> pl.DataFrame:
    """Parse a string column to Float64: suppression tokens -> null (token kept in ``note_out``), other
    non-numbers -> ParseError naming the first few offending values and rows."""
    tokens = sorted(SUPPRESSED | set(extra_tokens or []))
    raw = pl.col(column).cast(pl.String).str.strip_chars()
    is_token = raw.is_null() | raw.is_in(tokens)
    parsed = pl.when(is_token).then(None).otherwise(raw.str.replace_all(",", "").cast(pl.Float64, strict=False))
    df = df.with_columns(parsed.alias(out), is_token.alias("__tok"), raw.alias("__raw"))
    bad = df.with_row_index("__row").filter(~pl.col("__tok") & pl.col(out).is_null())
    if bad.height:
        sample = ", ".join(f"{r['__raw']!r} (data row {r['__row'] + 1})" for r in bad.head(3).iter_rows(named=True))
        raise ctx.fail(f"column {column!r} has {bad.height} value(s) that are neither numbers nor a known "
                       f"suppression marker: {sample}")
    if note_out:
        note = pl.when(pl.col("__tok")).then(
            pl.concat_str(pl.lit("value suppressed or missing in source ("),
                          pl.when(pl.col("__raw").is_null() | (pl.col("__raw") == "")).then(pl.lit("empty"))
                          .otherwise(pl.concat_str(pl.lit("'"), pl.col("__raw"), pl.lit("'"))),
                          pl.lit(")"))
        )
        df = df.with_columns(note.alias(note_out))
    return df.drop("__tok", "__raw")


def keep_areas(df: pl.DataFrame, area_level: str, area_types: list[str] | None = None) -> pl.DataFrame:
    """The warehouse geography (``seeds/reference/london_areas.csv``) of the given area types: by default the
    London boroughs, London and England; registry option ``area_types`` may add ``sub_region`` (Inner and
    Outer London, E13000001/E13000002) for a source that publishes them."""
    wanted = set(area_types or DEFAULT_AREA_TYPES)
    unknown = wanted - set(AREA_TYPES.values())
    if unknown:
        raise HisError(f"area_types {sorted(unknown)} are not area types of the warehouse geography "
                       f"({sorted(set(AREA_TYPES.values()))})")
    return df.filter(pl.col("area_code").is_in([c for c, t in AREA_TYPES.items() if t in wanted]))


# A London borough's GSS code: E09 and six digits. Any other code (wards, counties, other regions) is simply
# outside the warehouse geography; an E09 code that is not one of the 33 boroughs is not.
BOROUGH_CODE = r"^E09[0-9]{6}$"


def unknown_borough_codes(ctx: FileContext, df: pl.DataFrame) -> list[str]:
    """London borough codes (E09...) in a publisher's file that are not boroughs of the warehouse geography
    (``seeds/reference/london_areas.csv``), e.g. a mistyped E09000099 or a new code after a boundary change.
    Their rows cannot be kept (no borough to put them on), but they are not dropped silently: one warning per
    code naming source, dataset, file, the code and its rows (count, indicator and periods) goes to
    ``ctx.warnings`` and is returned."""
    bad = df.filter(pl.col("area_code").str.contains(BOROUGH_CODE) & ~pl.col("area_code").is_in(list(AREA_TYPES)))
    out = []
    for (code,), rows in sorted(bad.group_by("area_code"), key=lambda g: g[0][0]):
        pairs = rows.select("indicator_id", "period_label").unique().sort("indicator_id", "period_label")
        shown = ", ".join(f"{i} {p}" for i, p in pairs.head(5).iter_rows())
        more = f" and {pairs.height - 5} more" if pairs.height > 5 else ""
        names = sorted({n for n in rows["area_name"].to_list() if n})
        named = f" (named {', '.join(repr(n) for n in names[:3])})" if names else ""
        out.append(f"{ctx.where()}: unknown London borough code {code}{named} on {rows.height} row(s) "
                   f"({shown}{more}): not one of the 33 boroughs of seeds/reference/london_areas.csv, so these "
                   "rows cannot be kept")
    ctx.warnings.extend(out)
    return out


def area_type_expr() -> pl.Expr:
    """borough, sub_region, region or country: the seed's area type of the code (null for other codes)."""
    return pl.col("area_code").replace_strict(AREA_TYPES, default=None, return_dtype=pl.String)


def conform(ctx: FileContext, df: pl.DataFrame, *, area_level: str, area_names: dict[str, str],
            period_types: dict[str, str], indicator_options: dict[str, dict[str, Any]] | None = None
            ) -> pl.DataFrame:
    """Turn a parser's long frame into the canonical indicator frame.

    ``df`` has string columns ``indicator_id, area_code, area_name, period_label, sex, age, category_type,
    category, value_note`` and Float64 ``value, lower_ci, upper_ci, count, denominator``, optionally the 99.8%
    limits and the publisher's judgements (:data:`PUBLISHER_JUDGEMENTS`); missing ones are added as null.
    ``period_types`` maps indicator id -> period type.

    Periods (registry options, :func:`ingest.sources.periods.declared_periods`): ``exclude_periods`` (source,
    dataset, file or indicator level) drops those labels, e.g. an impossible period, before they are parsed;
    ``periods`` (dataset or indicator level, ``indicator_options`` maps indicator id -> its registry options)
    keeps only those labels. Labels match as written or as normalised by the period parser. An indicator
    limited by ``periods`` that keeps no row is an error.
    """
    for name, dtype in CANONICAL:
        if name not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dtype).alias(name))
    df = df.with_columns(pl.col("area_code").str.strip_chars(), pl.col("period_label").cast(pl.String).str.strip_chars())
    unknown_borough_codes(ctx, df)
    try:
        df = keep_areas(df, area_level, ctx.options.get("area_types"))
    except HisError as exc:
        raise ctx.fail(f"registry option {exc}") from exc
    if df.height == 0:
        raise ctx.fail("no rows for London boroughs, London (E12000007) or England (E92000001) after filtering; "
                       "wrong file or renamed area codes?")
    # Area names: the publisher's, else the registry's name for the code, else the warehouse geography's
    # (seeds/reference/london_areas.csv; for a file that gives codes only, e.g. MHCLG's net additional dwellings).
    names = {**AREA_NAMES, **(area_names or {})}
    df = df.with_columns(pl.coalesce(pl.col("area_name").replace("", None),
                                     pl.col("area_code").replace_strict(names, default=None)).alias("area_name"))
    # Periods: select (registry periods / exclude_periods), then parse each distinct (indicator, label) once.
    indicator_options = indicator_options or {}
    pairs = df.select("indicator_id", "period_label").unique().sort("indicator_id", "period_label")
    rows = []
    for ind, label in pairs.iter_rows():
        ptype = period_types.get(ind)
        if ptype not in PERIOD_TYPES:
            raise ctx.fail(f"indicator {ind}: period_type {ptype!r} is not one of {sorted(PERIOD_TYPES)}")
        only, excluded = declared_periods(ctx.options, indicator_options.get(ind) or {})
        if label in excluded:
            continue
        try:
            norm, start, end = parse_period(label, ptype)
        except ValueError as exc:
            if only is not None and label not in only:
                continue
            raise ctx.fail(f"indicator {ind}: {exc}") from exc
        if norm in {normalise_label(p, ptype) for p in excluded}:
            continue
        if only is not None and label not in only and norm not in {normalise_label(p, ptype) for p in only}:
            continue
        rows.append((ind, label, norm, start, end))
    for ind, opts in indicator_options.items():
        only, _ = declared_periods(ctx.options, opts or {})
        present = ind in pairs["indicator_id"].to_list()
        if only is not None and present and not any(r[0] == ind for r in rows):
            raise ctx.fail(f"indicator {ind}: none of the registry's periods {sorted(only)} is in the file for "
                           f"London, its boroughs or England (the file has "
                           f"{sorted(pairs.filter(pl.col('indicator_id') == ind)['period_label'].to_list())})")
    if not rows:
        raise ctx.fail("no rows left after the registry's period selection (periods / exclude_periods)")
    periods = pl.DataFrame(rows, schema={"indicator_id": pl.String, "period_label": pl.String, "__label": pl.String,
                                         "period_start": pl.Date, "period_end": pl.Date}, orient="row")
    df = (df.drop("period_start", "period_end")
          .join(periods, on=["indicator_id", "period_label"], how="inner")
          .with_columns(pl.col("__label").alias("period_label")).drop("__label"))
    df = df.with_columns(area_type_expr().alias("area_type"), pl.lit(ctx.source_id).alias("source_id"),
                         pl.lit(ctx.sha256).alias("snapshot_sha256"))
    for c in ("sex", "age", "category_type", "category", "value_note", "area_name", *PUBLISHER_JUDGEMENTS):
        df = df.with_columns(pl.col(c).cast(pl.String).replace("", None))
    return df.select([pl.col(n).cast(t) for n, t in CANONICAL])


def check_unique(ctx: FileContext, df: pl.DataFrame, key: list[str]) -> None:
    unknown = [k for k in key if k not in df.columns]
    if unknown:
        raise ctx.fail(f"key_columns {unknown} are not columns of the dataset (it has {', '.join(df.columns)})")
    dups = df.group_by(key).len().filter(pl.col("len") > 1)
    if dups.height:
        sample = "; ".join(", ".join(f"{k}={r[k]}" for k in key if r[k] is not None)
                           for r in dups.head(3).iter_rows(named=True))
        raise ctx.fail(f"{dups.height} duplicate key(s) on ({', '.join(key)}), e.g. {sample}")


def empty_canonical() -> pl.DataFrame:
    return pl.DataFrame(schema=CANONICAL_SCHEMA)
