"""Load pages of the built site in Debian's headless Chromium (Playwright, never a downloaded browser) and
collect everything that went wrong: console errors, page errors, failed or non-local requests, HTTP errors,
and loading placeholders still on screen."""

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
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
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


@dataclass
class PageLoad:
    path: str
    text: str = ""
    problems: list[str] = field(default_factory=list)


def site_pages(site: Path) -> list[str]:
    """Every prerendered page of the site, as URL paths ("/", "/indicators/obesity_year6/", ...)."""
    paths = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in {"api", "_app", "data"}:
            continue
        paths.append("/" if rel == "." else f"/{rel}/")
    return paths


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


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def load(browser, base: str, path: str, screenshot: Path | None = None, settle_ms: int = 600) -> PageLoad:
    """Open one page in a fresh context; wait for the network to go quiet; report what went wrong."""
    result = PageLoad(path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    responded: dict[object, int] = {}

    def on_route(route):
        host = urlparse(route.request.url).hostname
        if host not in {"127.0.0.1", "localhost"}:
            result.problems.append(f"request to the internet blocked: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    def on_failed(request):
        # The Arrow IPC reader stops reading a prerendered query's body at its end-of-stream marker, which
        # Chromium reports as ERR_ABORTED after a complete 200 response: not a failed load.
        if request.failure == "net::ERR_ABORTED" and responded.get(request) == 200:
            return
        result.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(response):
        responded[response.request] = response.status
        if response.status >= 400:
            result.problems.append(f"HTTP {response.status}: {response.url}")

    page.route("**/*", on_route)
    page.on("console", lambda m: m.type == "error" and result.problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: result.problems.append(f"page error: {e}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        page.goto(base + path, wait_until="networkidle", timeout=60_000)
        page.evaluate(SCROLL_JS)
        page.wait_for_timeout(settle_ms)
        placeholders = page.evaluate(PLACEHOLDER_JS)
        if placeholders["pulses"] or placeholders["text"]:
            result.problems.append(f"loading placeholder still shown: {placeholders}")
        result.text = page.inner_text("body")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    return result


async def _load_async(context, base: str, path: str, screenshot: Path | None) -> PageLoad:
    result = PageLoad(path)
    page = await context.new_page()
    responded: dict[object, int] = {}

    async def on_route(route):
        host = urlparse(route.request.url).hostname
        if host not in {"127.0.0.1", "localhost"}:
            result.problems.append(f"request to the internet blocked: {route.request.url}")
            await route.abort()
        else:
            await route.continue_()

    def on_failed(request):
        if request.failure == "net::ERR_ABORTED" and responded.get(request) == 200:
            return  # see load(): the Arrow reader stops at end-of-stream after a complete 200 response
        result.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(response):
        responded[response.request] = response.status
        if response.status >= 400:
            result.problems.append(f"HTTP {response.status}: {response.url}")

    await page.route("**/*", on_route)
    page.on("console", lambda m: m.type == "error" and result.problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: result.problems.append(f"page error: {e}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        await page.goto(base + path, wait_until="networkidle", timeout=90_000)
        await page.evaluate(SCROLL_JS)
        await page.wait_for_timeout(300)
        placeholders = await page.evaluate(PLACEHOLDER_JS)
        if placeholders["pulses"] or placeholders["text"]:
            result.problems.append(f"loading placeholder still shown: {placeholders}")
        result.text = await page.inner_text("body")
        if screenshot is not None:
            await page.screenshot(path=str(screenshot), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a timeout or crash is this page's problem, reported with the others
        result.problems.append(f"could not load: {exc}")
    finally:
        await page.close()
    return result


def load_all(
    site: Path, paths: list[str], screenshots: dict[str, Path] | None = None, concurrency: int = 4
) -> dict[str, PageLoad]:
    """Load every path (a few at a time) in one headless Chromium; return what each page showed and any problems."""
    from playwright.async_api import async_playwright

    screenshots = screenshots or {}

    async def main(base: str) -> list[PageLoad]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # One context: pages share the HTTP cache (DuckDB-WASM and the Parquet files load once).
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            gate = asyncio.Semaphore(concurrency)

            async def one(path: str) -> PageLoad:
                async with gate:
                    return await _load_async(context, base, path, screenshots.get(path))

            try:
                return await asyncio.gather(*(one(p) for p in paths))
            finally:
                await context.close()
                await browser.close()

    with served(site) as base:
        results = asyncio.run(main(base))
    return {r.path: r for r in results}
