"""The demo page: a clinic's article page with the chat widget, as a clinic would embed it.

`make run` serves it on WIDGET_PORT (loopback). It serves the built widget
(``web/dist``) at ``/widget/`` and the page (``web/demo``) at ``/``, under a strict
Content-Security-Policy without 'unsafe-inline', so that the widget is proven to work
on a site that forbids inline scripts and styles. The widget talks to the Rasa server,
another origin, as it would from a clinic's real site.

    python -m bot.processes.demo_site --port 8080 --rasa-url http://127.0.0.1:5005
"""

from __future__ import annotations

import argparse
import logging
import mimetypes
from pathlib import Path

from aiohttp import web

from bot.settings import PROJECT_ROOT

WIDGET_DIR = PROJECT_ROOT / "web" / "dist"
DEMO_DIR = PROJECT_ROOT / "web" / "demo"
RASA_URL_PLACEHOLDER = "__RASA_URL__"
WIDGET_FILES = ("widget.js", "widget.css")

logger = logging.getLogger(__name__)


def content_security_policy(rasa_url: str) -> str:
    """The page's CSP: its own files, and connections to the Rasa server only."""
    websocket = rasa_url.replace("https://", "wss://").replace("http://", "ws://")
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src 'self' {rasa_url} {websocket}",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _file_in(folder: Path, name: str) -> Path | None:
    """``folder/name`` if it is a file right in ``folder`` (no path tricks)."""
    path = (folder / name).resolve()
    return path if path.parent == folder.resolve() and path.is_file() else None


def make_app(
    rasa_url: str, widget_dir: Path = WIDGET_DIR, demo_dir: Path = DEMO_DIR
) -> web.Application:
    """The demo site's aiohttp application."""
    csp = content_security_policy(rasa_url)

    @web.middleware
    async def security_headers(request: web.Request, handler: web.Handler) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def serve(folder: Path, name: str) -> web.Response:
        path = _file_in(folder, name)
        if path is None:
            raise web.HTTPNotFound(text="not found")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = path.read_bytes()
        if path.name == "index.html":
            body = body.replace(RASA_URL_PLACEHOLDER.encode(), rasa_url.encode())
        return web.Response(
            body=body, content_type=content_type, headers={"Cache-Control": "no-cache"}
        )

    async def page(request: web.Request) -> web.Response:
        return serve(demo_dir, request.match_info.get("name") or "index.html")

    async def widget(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in WIDGET_FILES and _file_in(widget_dir, name) is None:
            raise web.HTTPServiceUnavailable(text="the widget is not built: run `make setup`")
        return serve(widget_dir, name)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok", "widget_built": all(_file_in(widget_dir, n) for n in WIDGET_FILES)}
        )

    app = web.Application(middlewares=[security_headers])
    app.router.add_get("/health", health)
    app.router.add_get("/widget/{name}", widget)
    app.router.add_get("/", page)
    app.router.add_get("/demo/{name}", page)
    app.router.add_get("/{name}", page)
    return app


def main() -> None:
    """``python -m bot.processes.demo_site``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rasa-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(make_app(args.rasa_url.rstrip("/")), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
