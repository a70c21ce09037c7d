"""Pages made of the real templates and static files, without the rest of the service.

A harness page is a Jinja template (usually extending base.html, including the partial
under test, with a script that builds the component); it is rendered in the asked
locale and served, with web/static, through Playwright's router, so a component is
tested on its own in real Chromium.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from starlette.requests import Request

from interp.http import templating

ORIGIN = "http://localhost:8765"
STATIC_DIR = templating.WEB_DIR / "static"


def harness_html(locale: str, source: str) -> str:
    request = Request({
        "type": "http", "method": "GET", "path": "/harness",
        "query_string": f"lang={locale}".encode(), "headers": [],
    })
    template = templating.environment.from_string(source)
    return template.render(**templating.page_context(request))


def serve(route: Any, locale: str, pages: dict[str, str]) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path in pages:
        html = harness_html(locale, pages[path])
        route.fulfill(body=html, content_type="text/html; charset=utf-8")
        return
    file = (STATIC_DIR / path.removeprefix("/static/")).resolve()
    if path.startswith("/static/") and file.is_relative_to(STATIC_DIR) and file.is_file():
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix == ".js":
            content_type = "text/javascript"
        route.fulfill(body=file.read_bytes(), content_type=content_type)
    else:
        route.fulfill(status=404, body="not found")


def open_harness(
    browser: Any, pages: dict[str, str], path: str, locale: str = "en", width: int = 360,
    ready: str = "() => window.display !== undefined",
) -> Any:
    """A new page showing ``pages[path]``, once the script predicate ``ready`` holds."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    page.route(f"{ORIGIN}/**", lambda route: serve(route, locale, pages))
    page.goto(f"{ORIGIN}{path}")
    page.wait_for_function(ready)
    return page
