"""Static checks over every built page's HTML (no browser): visible text that leaks internal identifiers, the
external source links indicator and commitment pages must carry, links whose text does not say where they go
("open", "here", "Download CSV", a bare address, an id), the CSV each "Download CSV" link carries (source,
licence and retrieval date present, no ``null``), and charts whose rows have confidence intervals but no whiskers.
A check of the page sources (:func:`tables_without_download`) finds tables and charts with no visible download.

Evidence prerenders each page with its query results, so the text a reader sees is in ``index.html``; reading
the ~300 files takes a second or two, where loading them all in Chromium took 10-16 minutes. The browser test
(test_site.py) loads a chosen few pages in Chromium for what only a browser shows (console errors, overflow,
charts drawn).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

#: Text a reader should never see: the warehouse's identifiers and the build machine's paths.
LEAK_PATTERNS: dict[str, re.Pattern[str]] = {
    "snake_case identifier": re.compile(r"(?<![\w/.@-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w/.@-])"),
    "null": re.compile(r"\bnull\b"),
    "NaN": re.compile(r"\bNaN\b"),
    "undefined": re.compile(r"\bundefined\b"),
    "machine path": re.compile(r"(?:/tmp/|/work/|/home/|/Users/|/var/|[A-Z]:\\\\)"),
    "sha256 hash": re.compile(r"\b[0-9a-f]{40,64}\b"),
}
#: Elements whose text is not shown (scripts, styles, the hidden SVG/meta).
SKIP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "title"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Page kinds that must link to their data's official page outside the site.
NEEDS_EXTERNAL_LINK = {"indicators", "commitments"}


@dataclass
class Link:
    """One link a reader can follow: where it goes and the words that name it (its text, as a screen reader reads
    it: visible text and ``sr-only`` text, else its ``aria-label``)."""
    href: str
    text: str


class _TextAndLinks(HTMLParser):
    """Visible text (outside script/style/head, and outside elements marked hidden), every link, and the text of
    each link a reader can reach (not inside an element hidden from everyone: ``hidden``, ``aria-hidden``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # (tag, hidden from sight, hidden from everyone: sight and screen readers)
        self.stack: list[tuple[str, bool, bool]] = []
        self.parts: list[str] = []
        self.links: list[str] = []
        self.named_links: list[Link] = []
        self._open_link: tuple[str, list[str], str, int] | None = None  # href, text parts, aria-label, depth

    def _hidden(self) -> bool:
        return any(hidden for _, hidden, _ in self.stack)

    def _unreachable(self) -> bool:
        return any(gone for _, _, gone in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag in VOID_TAGS:
            return
        gone = (tag in SKIP_TAGS or "hidden" in a or a.get("aria-hidden") == "true"
                or "display: none" in (a.get("style") or ""))
        hidden = gone or "sr-only" in (a.get("class") or "").split()
        if tag == "a" and a.get("href") and not (gone or self._unreachable()):
            self._open_link = (a["href"] or "", [], (a.get("aria-label") or "").strip(), len(self.stack))
        self.stack.append((tag, hidden, gone))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            if not self._unreachable():
                self.named_links.append(Link(a["href"] or "", (a.get("aria-label") or "").strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                if self._open_link is not None and i <= self._open_link[3]:
                    href, parts, label, _ = self._open_link
                    text = " ".join(" ".join(parts).split())
                    self.named_links.append(Link(href, text or label))
                    self._open_link = None
                return

    def handle_data(self, data: str) -> None:
        if self._open_link is not None and not self._unreachable():
            self._open_link[1].append(data)
        if not self._hidden() and data.strip():
            self.parts.append(data.strip())


@dataclass
class PageFindings:
    path: str
    kind: str
    text: str = ""
    external_links: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def page_kind(path: str) -> str:
    """``top`` for a top-level page (``/``, ``/aims/``), else the templated kind (``aims``, ``indicators``...)."""
    parts = [p for p in path.split("/") if p]
    return parts[0] if len(parts) >= 2 else "top"


def site_pages(site: Path) -> dict[str, Path]:
    """Every prerendered page of the site: URL path -> its index.html."""
    pages: dict[str, Path] = {}
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in {"api", "_app", "data", "geo"}:
            continue
        pages["/" if rel == "." else f"/{rel}/"] = index
    return pages


def visible_text_and_links(html: str) -> tuple[str, list[str]]:
    parser = _TextAndLinks()
    parser.feed(html)
    return "\n".join(parser.parts), parser.links


def named_links(html: str) -> list[Link]:
    """Every link a reader can reach on the page, with the words that name it."""
    parser = _TextAndLinks()
    parser.feed(html)
    return parser.named_links


# --- link texts: every link says where it goes ------------------------------------------------------------------
#: Link texts that do not say where the link goes (compared lower-cased, punctuation and arrows stripped).
GENERIC_LINK_TEXTS = {
    "open", "file", "here", "click here", "link", "this link", "more", "see more", "read more", "more info",
    "details", "view", "go", "page", "this page", "website", "site", "source", "sources", "data", "url",
    "download", "download csv", "csv", "download data", "download file", "this",
}
#: A bare address as its own text ("https://...", "www....").
BARE_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
#: A code standing in for a name: "KC3.1", "A1.3.1.a", "E09000002", "obesity_year6", "42", "aim 5".
ID_TEXT = re.compile(r"^(?:[A-Za-z]*\d[A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*|[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+"
                     r"|[A-Za-z]+ \d+(?:\.\d+)*)$")


def generic_link_text(text: str) -> str | None:
    """Why a link's text does not name its destination (None when it does)."""
    words = " ".join(re.sub(r"[^\w\s.:/-]", " ", text).split()).strip(" .:")
    if not words:
        return "no text"
    if words.lower() in GENERIC_LINK_TEXTS:
        return "generic"
    if BARE_URL.match(words):
        return "a bare address"
    if ID_TEXT.match(words):
        return "an id or code"
    return None


def _slug(text: str) -> str:
    """A heading's anchor as Evidence writes it: lower case, runs of other characters as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def link_text_problems(links: list[Link]) -> list[str]:
    """``"link text: ..."`` for each link whose text is generic, a bare address, a code, or missing."""
    problems = []
    for link in links:
        if link.href.startswith("#") and link.href[1:] == _slug(link.text):
            continue  # a table-of-contents entry: its text is the heading it goes to ("Sources", "Data")
        why = generic_link_text(link.text)
        if why:
            href = link.href if len(link.href) <= 60 else link.href[:57] + "..."
            problems.append(f"link text: {link.text!r} ({why}) for {href}")
    return problems


def leaks(text: str) -> list[str]:
    """Each internal identifier found in visible text, as ``"<kind>: <match>"``."""
    found = []
    for kind, pattern in LEAK_PATTERNS.items():
        for m in pattern.finditer(text):
            found.append(f"{kind}: {m.group(0)!r}")
    return found


def check_page(path: str, html: str) -> PageFindings:
    kind = page_kind(path)
    text, links = visible_text_and_links(html)
    result = PageFindings(path, kind, text)
    result.external_links = [h for h in links if urlparse(h).scheme in {"http", "https"}
                             and urlparse(h).hostname not in {"127.0.0.1", "localhost"}]
    result.problems.extend(leaks(text))
    downloads = csv_downloads(html)
    for rows in downloads:
        result.problems.extend(csv_problems(rows))
    result.problems.extend(deny_hits(text, downloads))
    result.problems.extend(whisker_problems(html))
    result.problems.extend(link_text_problems(named_links(html)))
    if kind in NEEDS_EXTERNAL_LINK and not result.external_links:
        result.problems.append("no external source link")
    return result


def check_site(site: Path) -> dict[str, PageFindings]:
    return {path: check_page(path, index.read_text(encoding="utf-8")) for path, index in site_pages(site).items()}


def counts_by_kind(findings: dict[str, PageFindings]) -> dict[str, Counter[str]]:
    """Failures per page kind: kind -> {failure kind: number of pages with it}."""
    out: dict[str, Counter[str]] = {}
    for f in findings.values():
        counter = out.setdefault(f.kind, Counter())
        counter["pages"] += 1
        for kind in {p.split(":")[0] for p in f.problems}:
            counter[kind] += 1
    return out


def format_counts(counts: dict[str, Counter[str]], failure_kinds: list[str]) -> str:
    """A table: one row per page kind, one column per failure kind (pages failing), zeros shown."""
    cols = ["pages", *failure_kinds]
    width = max(len(k) for k in [*counts, "page kind"])
    lines = [f"{'page kind':<{width}}  " + "  ".join(cols)]
    for kind in sorted(counts):
        lines.append(f"{kind:<{width}}  " + "  ".join(f"{counts[kind].get(c, 0):>{len(c)}}" for c in cols))
    return "\n".join(lines)


# --- downloads and whiskers -----------------------------------------------------------------------------------
CSV_LINK = re.compile(r'<a class="csv-download[^"]*"[^>]*?href="data:text/csv;charset=utf-8,([^"]*)"', re.DOTALL)
FIGURE = re.compile(r'<figure[^>]*\bdata-chart="([^"]+)"[^>]*>', re.DOTALL)
#: Cells a reader should never find in a downloaded CSV, and a float printed unrounded.
BAD_CELLS = {"null", "NaN", "undefined", "None", "nan"}
UNROUNDED = re.compile(r"^-?\d+\.\d{7,}$")


def csv_downloads(html: str) -> list[list[list[str]]]:
    """Every CSV a page's Download CSV links carry, parsed into rows (header first)."""
    from html import unescape
    from urllib.parse import unquote

    out = []
    for m in CSV_LINK.finditer(html):
        text = unquote(unescape(m.group(1))).lstrip("\ufeff")
        out.append(list(csv.reader(io.StringIO(text))))
    return out


def csv_problems(rows: list[list[str]]) -> list[str]:
    """What is wrong with one downloaded CSV: no source, licence or retrieval date; a null-like or unrounded cell."""
    if not rows:
        return ["download: empty CSV (no header)"]
    header, body = rows[0], rows[1:]
    problems = [f"download: CSV without a {c!r} column (header {header[:6]}...)"
                for c in ("source", "licence", "retrieved") if c not in header]
    for r in body:
        for name, cell in zip(header, r):
            if cell.strip() in BAD_CELLS:
                problems.append(f"download: {name} = {cell!r}")
            elif UNROUNDED.match(cell.strip()):
                problems.append(f"download: {name} = {cell} (not rounded)")
        if problems:
            break
    return problems


def whisker_problems(html: str) -> list[str]:
    """Charts drawn from rows with a 95% confidence interval but with no whisker series."""
    problems = []
    for m in FIGURE.finditer(html):
        tag = m.group(0)
        ci = re.search(r'data-ci-points="(\d+)"', tag)
        whiskers = re.search(r'data-whisker-series="(\d+)"', tag)
        if ci and int(ci.group(1)) > 0 and not (whiskers and int(whiskers.group(1)) > 0):
            problems.append(f"whiskers: {m.group(1)} chart has {ci.group(1)} rows with a CI but no whisker series")
    return problems


#: Evidence components that show a query's rows (tables, charts, maps); each needs a visible CSV download.
DATA_COMPONENTS = re.compile(
    r"<(DataTable|BarChart|LineChart|AreaChart|ScatterPlot|BubbleChart|Histogram|Heatmap|AreaMap|PointMap|BubbleMap)"
    r"\b[^>]*?\bdata=\{([^}]+)\}", re.DOTALL)
DOWNLOAD_OF = re.compile(r"<CsvDownload\b[^>]*?\bdata=\{([^}]+)\}", re.DOTALL)


def tables_without_download(page_source: str) -> list[str]:
    """Tables and charts on an Evidence page (its markdown) with no ``<CsvDownload>`` of the same query.

    ``TrendChart`` and ``BoroughBars`` carry their own download, so they are not listed; a download of ``<q>_csv``
    (the query's rows shaped for the CSV) counts as the download of ``<q>``."""
    downloads = {d.strip().removesuffix("_csv") for d in DOWNLOAD_OF.findall(page_source)}
    return [f"{kind} of {query.strip()}" for kind, query in DATA_COMPONENTS.findall(page_source)
            if query.strip() not in downloads]


# --- the deny list: ids and pipeline words a policy officer should never read ---------------------------------
#: Words for the machinery behind the site, never for its readers.
PIPELINE_TERMS = ("mart", "marts", "ingest", "ingested", "ingestion", "staging", "lake", "warehouse", "dbt", "mirror")
#: Tokens that mark an id even when its underscores are printed as spaces ("his pm25 mortality fraction"): the
#: warehouse's model prefixes and the registry's code-like abbreviations. Any token with a digit counts too.
CODE_TOKENS = {"his", "fct", "dim", "stg", "int", "aps", "gpps", "qof", "ncmp", "dft", "la", "fsm", "ltc", "sii"}
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _id_patterns(ident: str) -> list[str]:
    """The spellings of one id a page must not show: as written, and with spaces for underscores when that is not
    ordinary English (a token with a digit or a code token). A one-word id made of letters only is an ordinary word
    ("belonging") and is not denied."""
    tokens = ident.lower().split("_")
    spellings = []
    if len(tokens) > 1 or any(c.isdigit() for c in ident):
        spellings.append(ident.lower())
    if len(tokens) > 1 and any(any(c.isdigit() for c in t) or t in CODE_TOKENS for t in tokens):
        spellings.append(" ".join(tokens))
    return spellings


def deny_list(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """Spelling -> what it is: every source, dataset and indicator id of the source registry
    (``ingest/registry``) and the indicator catalogue, every dbt model and seed name (``models/``, ``seeds/``),
    and the pipeline words. Derived from the project each time, so a new source or model is covered at once."""
    from ingest.sources.registry import load_registry

    found: dict[str, str] = {}
    registry = load_registry(root / "ingest" / "registry")
    for source in registry.sources:
        for s in _id_patterns(source.id):
            found.setdefault(s, "source id")
        for dataset in source.datasets:
            for s in _id_patterns(dataset.id):
                found.setdefault(s, "dataset id")
            for indicator in dataset.indicator_specs:
                for s in _id_patterns(indicator.id):
                    found.setdefault(s, "indicator id")
    catalogue = root / "seeds" / "reference" / "indicator_catalogue.csv"
    with catalogue.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for s in _id_patterns(row["indicator_id"]):
                found.setdefault(s, "indicator id")
    for folder, what in (("models", "dbt model"), ("seeds", "dbt seed")):
        for path in (root / folder).rglob("*"):
            if path.suffix in {".sql", ".csv"}:
                for s in _id_patterns(path.stem):
                    found.setdefault(s, what)
    for term in PIPELINE_TERMS:
        found.setdefault(term, "pipeline word")
    return found


_WORD = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*")


class DenyList:
    """The deny list compiled for fast scanning: a set of one-token spellings (an id as written, or a pipeline
    word) and, for spellings of several words, their first word -> the spellings' word tuples. Matching is by
    whole words, case-insensitive; a several-word spelling matches only words separated by white space."""

    def __init__(self, root: Path = PROJECT_ROOT) -> None:
        self.kinds = deny_list(root)
        self.single = {s for s in self.kinds if " " not in s}
        self.multi: dict[str, list[tuple[str, ...]]] = {}
        for s in self.kinds:
            if " " in s:
                words = tuple(s.split())
                self.multi.setdefault(words[0], []).append(words)

    def find(self, text: str) -> list[str]:
        """Each denied spelling in the text, as it appears."""
        tokens = set(_WORD.findall(text.lower()))
        if self.single.isdisjoint(tokens) and self.multi.keys().isdisjoint(tokens):
            return []
        words = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
        found, covered = [], -1  # covered: the end of the last match (a longer spelling hides the ids inside it)
        for i, (w, start, end) in enumerate(words):
            if start < covered:
                continue
            longest = end if w in self.single else None
            for spelling in self.multi.get(w, ()):
                run = words[i:i + len(spelling)]
                if (tuple(x[0] for x in run) == spelling
                        and all(text[a[2]:b[1]].isspace() for a, b in itertools.pairwise(run))):
                    longest = max(longest or 0, run[-1][2])
            if longest is not None:
                found.append(text[start:longest])
                covered = longest
        return found


_DENY: dict[Path, DenyList] = {}


def deny_hits(text: str, csvs: list[list[list[str]]], root: Path = PROJECT_ROOT) -> list[str]:
    """Denied ids and pipeline words in a page's visible text and in the free-text cells (cells with a space: words,
    not codes, URLs or numbers) of its downloads, as ``"deny list: <what> <spelling> in <where>"``."""
    deny = _DENY.get(root) or _DENY.setdefault(root, DenyList(root))
    hits = []
    for spelled in deny.find(text):
        hits.append(f"deny list: {deny.kinds.get(' '.join(spelled.lower().split()), 'id')} {spelled!r} in the page text")
    for rows in csvs:
        header = rows[0] if rows else []
        free_text = [cell for r in rows[1:] for cell in r if " " in cell.strip()]
        if not deny.find("\x00".join(free_text)):  # one pass over the file; cells only when something is found
            continue
        for r in rows[1:]:
            for name, cell in zip(header, r):
                if " " in cell.strip():
                    for spelled in deny.find(cell):
                        hits.append(f"deny list: {deny.kinds.get(' '.join(spelled.lower().split()), 'id')} "
                                    f"{spelled!r} in download column {name}")
    return hits
