"""The demo site: the widget and the page under a strict CSP, nothing else served."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.processes.demo_site import content_security_policy, make_app

RASA = "http://127.0.0.1:5999"


async def _client(tmp_path) -> TestClient:
    widget, demo = tmp_path / "dist", tmp_path / "demo"
    widget.mkdir()
    demo.mkdir()
    (widget / "widget.js").write_text("console.log('w')")
    (widget / "widget.css").write_text(".cw{}")
    (demo / "index.html").write_text('<script src="/widget/widget.js" data-server="__RASA_URL__">')
    (demo / "demo.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("not for the web")
    client = TestClient(TestServer(make_app(RASA, widget, demo)))
    await client.start_server()
    return client


async def test_the_page_names_the_rasa_server_and_forbids_inline_code(tmp_path) -> None:
    client = await _client(tmp_path)
    try:
        response = await client.get("/")
        assert response.status == 200
        assert f'data-server="{RASA}"' in await response.text()
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert f"connect-src 'self' {RASA} ws://127.0.0.1:5999" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        for path, kind in (("/widget/widget.js", "javascript"), ("/demo.css", "css")):
            response = await client.get(path)
            assert response.status == 200 and kind in response.content_type
    finally:
        await client.close()


async def test_nothing_outside_the_two_folders_is_served(tmp_path) -> None:
    client = await _client(tmp_path)
    try:
        for path in (
            "/secret.txt",
            "/widget/..%2Fsecret.txt",
            "/demo/..%2F..%2Fsecret.txt",
            "/nope",
        ):
            assert (await client.get(path)).status == 404, path
    finally:
        await client.close()


async def test_an_unbuilt_widget_says_how_to_build_it(tmp_path) -> None:
    client = await _client(tmp_path)
    (tmp_path / "dist" / "widget.js").unlink()
    try:
        response = await client.get("/widget/widget.js")
        assert response.status == 503 and "make setup" in await response.text()
        assert (await (await client.get("/health")).json())["widget_built"] is False
    finally:
        await client.close()


def test_an_https_server_is_reached_over_wss() -> None:
    assert "wss://bot.clinic.example" in content_security_policy("https://bot.clinic.example")
