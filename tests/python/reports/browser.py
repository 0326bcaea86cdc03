"""Load pages of the built site in Debian's headless Chromium (Playwright, never a downloaded browser) at given
viewport widths and collect everything that went wrong: console errors, page errors, failed or non-local
requests, HTTP errors, loading placeholders still on screen, horizontal overflow; and what was drawn (chart
containers and whether each has a canvas) and linked (external links)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from pipeline.report import make_server

CHROMIUM = "/usr/bin/chromium"
VIEWPORT_HEIGHT = 900
#: From this viewport width on, a table must fit the page's column (below it, tables may scroll in their box).
DESKTOP_MIN = 1000
# No request leaves the machine: every host name but the local server's resolves to nothing (an address literal
# would still be seen and reported by _load_async's request listener). Blocking here rather than intercepting
# each request in Playwright keeps Chromium's HTTP cache and compiled-script cache working across pages (Playwright
# turns the cache off for a page with a route); together with one renderer process for the site's pages, 42 page
# loads took about 122 CPU-seconds instead of 155 (and 58 once the narrow width was judged by resizing a loaded page
# rather than loading it again: _load_async).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--process-per-site",
]
# Evidence renders a chart only once it scrolls into view: scroll through the page before judging it.
SCROLL_JS = """async () => {
  const step = Math.max(window.innerHeight - 100, 200);
  for (let y = 0; y < document.body.scrollHeight; y += step) {
    window.scrollTo(0, y);
    await new Promise((r) => setTimeout(r, 120));
  }
  // Then bring any chart still waiting into view, until none is left (or ~30 s have passed).
  const waiting = () => [...document.querySelectorAll('.animate-pulse')]
    .filter((el) => el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (let i = 0; i < 100 && waiting().length; i++) {
    waiting()[0].scrollIntoView({block: 'center'});
    await new Promise((r) => setTimeout(r, 300));
  }
  window.scrollTo(0, 0);
}"""
# Evidence's loading skeletons: a visually hidden "Loading..." inside an animate-pulse element.
PLACEHOLDER_JS = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const pulses = [...document.querySelectorAll('.animate-pulse')].filter(visible).length;
  const text = document.body.innerText.includes('Loading...');
  return {pulses, text};
}"""


# What only a browser can tell: page-level horizontal overflow, chart containers drawn or empty, and the
# elements sticking out past the right edge (to name them in the failure).
LAYOUT_JS = """() => {
  const width = window.innerWidth;
  // Overflow a reader meets: the page itself scrolls sideways, or an element reaches past the right edge
  // without a scrolling or clipping box around it (a wide table inside its own scroll box is fine).
  window.scrollTo(10000, window.scrollY);
  const pageScroll = window.scrollX;
  window.scrollTo(0, window.scrollY);
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right <= width + 1 || r.width === 0 || r.height === 0 || !el.closest('main')) continue;
    // Inside a scroll box (a table's) or a component's own clipping box (a map's), it is fine; the page's
    // main column hides what sticks out of it, which a reader cannot reach: that counts.
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (a.tagName === 'MAIN') break;
      if (getComputedStyle(a).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped && wide.length < 3) {
      wide.push(el.tagName.toLowerCase() + '.' + [...el.classList].slice(0, 2).join('.') + ' right=' + Math.round(r.right));
    }
  }
  const overflow = Math.max(pageScroll, wide.length ? 2 : 0);
  const charts = [...document.querySelectorAll('[_echarts_instance_]')];
  const drawn = charts.filter((c) => {
    const canvas = c.querySelector('canvas, svg');
    return canvas && canvas.getBoundingClientRect().width > 0 && canvas.getBoundingClientRect().height > 0;
  }).length;
  // Charts drawn as inline SVG by the page itself (the borough page's spine charts), with a size.
  const svgCharts = [...document.querySelectorAll('svg[role="img"][aria-label^="spine chart for"]')]
    .filter((s) => s.getBoundingClientRect().width > 0 && s.getBoundingClientRect().height > 0).length;
  const links = [...document.querySelectorAll('a[href^="http"]')].map((a) => a.href)
    .filter((h) => !h.startsWith('http://127.0.0.1') && !h.startsWith('http://localhost'));
  // Tables wider than their box: they scroll inside it (fine on a phone, a layout fault on a desktop).
  const scrolledTables = [...document.querySelectorAll('.scrollbox')]
    .filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1).length;
  // "Download CSV" links a reader cannot see (hidden on phones, or only on hover).
  const downloads = [...document.querySelectorAll('a.csv-download')];
  const hiddenDownloads = downloads.filter((a) => {
    const r = a.getBoundingClientRect();
    const st = getComputedStyle(a);
    return !(r.width > 0 && r.height > 0) || st.visibility === 'hidden' || Number(st.opacity) === 0;
  }).length;
  return {overflow, wide, charts: charts.length, drawn, svgCharts, links, scrolledTables,
          downloads: downloads.length, hiddenDownloads};
}"""


@dataclass
class PageLoad:
    path: str
    width: int = 1280
    text: str = ""
    problems: list[str] = field(default_factory=list)
    charts: int = 0  # chart containers on the page
    drawn: int = 0  # of them, drawn (a canvas with a size)
    svg_charts: int = 0  # charts the page draws as inline SVG (spine charts), with a size
    downloads: int = 0  # "Download CSV" links on the page
    external_links: list[str] = field(default_factory=list)


@contextmanager
def served(site: Path) -> Iterator[str]:
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def _load_async(context, base: str, path: str, screenshots: dict[int, Path], widths: tuple[int, ...]
                      ) -> list[PageLoad]:
    """Load ``path`` once at the first width and judge it there; then, for each further width, resize the viewport
    (as a reader turning a tablet or narrowing a window would), let the page lay itself out again and judge it
    at that width. Returns one :class:`PageLoad` per width; a problem is counted at the width it appeared at."""
    results = [PageLoad(path, w) for w in widths]
    judging = 0  # index of the width being judged: the listeners report to it
    page = await context.new_page()
    responded: dict[object, int] = {}

    def report(problem: str) -> None:
        results[judging].problems.append(problem)

    def on_request(request):
        if urlparse(request.url).hostname not in {"127.0.0.1", "localhost", None}:
            report(f"request to the internet blocked: {request.url}")

    def on_failed(request):
        # The Arrow IPC reader stops reading a prerendered query's body at its end-of-stream marker, which
        # Chromium reports as ERR_ABORTED after a complete 200 response: not a failed load.
        if request.failure == "net::ERR_ABORTED" and responded.get(request) == 200:
            return  # the Arrow IPC reader stops at end-of-stream after a complete 200 response
        report(f"request failed: {request.url} ({request.failure})")

    def on_response(response):
        responded[response.request] = response.status
        if response.status >= 400:
            report(f"HTTP {response.status}: {response.url}")

    page.on("request", on_request)
    page.on("console", lambda m: m.type == "error" and report(f"console error: {m.text}"))
    page.on("pageerror", lambda e: report(f"page error: {e}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        await page.goto(base + path, wait_until="networkidle", timeout=90_000)
        for judging, result in enumerate(results):  # report() reads `judging`
            if judging:
                await page.set_viewport_size({"width": result.width, "height": VIEWPORT_HEIGHT})
                await page.wait_for_timeout(300)
            await _judge(page, result, screenshots.get(result.width))
    except Exception as exc:  # noqa: BLE001 - a timeout or crash is this page's problem, reported with the others
        for result in results[judging:]:  # this width and every width not judged yet
            result.problems.append(f"could not load: {exc}")
    finally:
        await page.close()
    return results


async def _judge(page, result: PageLoad, screenshot: Path | None) -> None:
    """Bring every chart into view, then check the page as it is now laid out at ``result.width``."""
    width = result.width
    await page.evaluate(SCROLL_JS)
    await page.wait_for_timeout(300)
    placeholders = await page.evaluate(PLACEHOLDER_JS)
    if placeholders["pulses"] or placeholders["text"]:
        result.problems.append(f"loading placeholder still shown: {placeholders}")
    result.text = await page.inner_text("body")
    layout = await page.evaluate(LAYOUT_JS)
    if layout["overflow"] > 1:
        result.problems.append(f"horizontal overflow at {width} px wide: page scrolls {layout['overflow']} px "
                               f"sideways or sticks out {layout['wide']}")
    if width >= DESKTOP_MIN and layout["scrolledTables"]:
        result.problems.append(f"horizontal overflow at {width} px wide: {layout['scrolledTables']} table(s) wider "
                               "than the page's column (cut at the right edge until scrolled)")
    if layout["hiddenDownloads"]:
        result.problems.append(f"download hidden: {layout['hiddenDownloads']} of {layout['downloads']} "
                               f"Download CSV links not visible at {width} px wide")
    result.downloads = layout["downloads"]
    result.charts, result.drawn, result.svg_charts = layout["charts"], layout["drawn"], layout["svgCharts"]
    result.external_links = layout["links"]
    if screenshot is not None:
        await page.screenshot(path=str(screenshot), full_page=True)


def load_all(
    site: Path, paths: list[str], screenshots: dict[tuple[str, int], Path] | None = None, concurrency: int = 2,
    widths: tuple[int, ...] = (1280,),
) -> dict[tuple[str, int], PageLoad]:
    """Load every path (a few at a time) in one headless Chromium and judge it at every viewport width, the first
    width by loading it, the others by resizing the loaded page (:func:`_load_async`); return what each page showed
    and any problems, keyed by (path, width). ``screenshots`` maps (path, width) to a file."""
    from playwright.async_api import async_playwright

    screenshots = screenshots or {}

    async def main(base: str) -> list[list[PageLoad]]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            gate = asyncio.Semaphore(concurrency)
            # One context: its pages share the HTTP cache (the app's scripts, DuckDB-WASM and the data load once).
            context = await browser.new_context(viewport={"width": widths[0], "height": VIEWPORT_HEIGHT})

            async def one(path: str) -> list[PageLoad]:
                async with gate:
                    shots = {w: screenshots[(path, w)] for w in widths if (path, w) in screenshots}
                    return await _load_async(context, base, path, shots, widths)

            try:
                return await asyncio.gather(*(one(p) for p in paths))
            finally:
                await context.close()
                await browser.close()

    with served(site) as base:
        results = asyncio.run(main(base))
    return {(r.path, r.width): r for per_path in results for r in per_path}
