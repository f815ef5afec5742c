"""The console's security properties, over every page that exists.

The route tests enumerate ``app.url_map``, so a page added later is covered without
being listed here: no page or fragment without a session, no POST without the CSRF
token, no admin page for an advisor.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.routing import Rule

from bot.console import security
from bot.console.app import create_app
from bot.console.login_limits import LoginLimiter, client_key
from bot.console.totp import accepted_step
from bot.console.views import NAV
from bot.console.views.auth import LOCKED, RATE_LIMITED
from bot.settings import load_settings
from bot.store.db import engine_for, session_scope
from bot.store.models import Base, StaffSession, StaffUser
from bot.store.rasa_events import rasa_metadata
from tests.console.conftest import (
    PASSWORD,
    add_staff,
    audit_actions,
    cookie,
    csrf,
    csrf_of,
    post_login,
    sign_in,
    staff_row,
)

# Pages anyone may open: the login form, the health check, the style sheet and script.
PUBLIC = {"auth.login", "home.health", "static"}
ADMIN_SECTIONS = {endpoint.split(".")[0] for endpoint, _label, admin_only in NAV if admin_only}


@pytest.fixture(autouse=True)
def _rasa_tables(database_url: str) -> None:
    # The database as it is once the Rasa server has started (it creates `events`):
    # these tests are about access, not about a console opened before Rasa ever ran.
    rasa_metadata.create_all(engine_for(database_url))


# --- enumerating the routes ----------------------------------------------------------


def _dummy(converter: Any) -> Any:
    """A value the converter accepts (an id that names nothing)."""
    kind = type(converter).__name__
    if kind == "IntegerConverter":
        return 999_999
    if kind == "FloatConverter":
        return 1.5
    if kind == "UUIDConverter":
        return uuid.UUID(int=1)
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    return "no-such-thing"


def _url(app: Flask, rule: Rule) -> str:
    values = {name: _dummy(conv) for name, conv in rule._converters.items()}
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, values, method=None)


def _routes(app: Flask, method: str) -> list[tuple[str, str]]:
    """(endpoint, url) of every route answering ``method``, static files aside."""
    return sorted(
        (rule.endpoint, _url(app, rule))
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or ()) and rule.endpoint != "static"
    )


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _changing_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, url, method) of every route that may change something."""
    return sorted(
        (endpoint, url, method) for method in UNSAFE for endpoint, url in _routes(app, method)
    )


def _admin_only(endpoint: str) -> bool:
    """Admin-only by the console's rule: the admin sections and every export."""
    return endpoint.split(".")[0] in ADMIN_SECTIONS or "export" in endpoint


TO_LOGIN = "to login"


def _get(client: FlaskClient, url: str, **kwargs: Any) -> int | str:
    """The status of a GET, or TO_LOGIN for a redirect to the login form."""
    response = client.get(url, **kwargs)
    status = response.status_code
    to_login = status == 302 and "/login" in response.headers.get("Location", "")
    response.close()  # a streaming page (server-sent events) must not stay open
    return TO_LOGIN if to_login else status


def _snapshot(database_url: str) -> dict[str, list[str]]:
    """Every row of the project's tables (sessions aside: their last_seen_at moves)."""
    with engine_for(database_url).connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name != "staff_sessions"
        }


# --- no page without login -----------------------------------------------------------


def test_every_page_needs_a_session(app: Flask, client: FlaskClient) -> None:
    routes = [(e, u) for e, u in _routes(app, "GET") if e not in PUBLIC]
    assert any(e == "audit.index" for e, _ in routes) and any(
        e == "account.index" for e, _ in routes
    )
    for endpoint, url in routes:
        # A page goes to the login form; a fragment (htmx, fetch) gets 401.
        assert _get(client, url) == TO_LOGIN, endpoint
        assert _get(client, url, headers={"X-Requested-With": "fetch"}) in (TO_LOGIN, 401), endpoint


def test_a_half_signed_in_admin_sees_no_page(
    client: FlaskClient, database_url: str, app: Flask
) -> None:
    secret = add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    assert secret
    post_login(client, "boss@clinic.test")  # password right, code still to come
    for endpoint, url in _routes(app, "GET"):
        if endpoint not in PUBLIC | {"auth.code", "auth.enrol"}:
            assert _get(client, url) == TO_LOGIN, endpoint


def test_the_login_redirect_keeps_the_page_asked_for(client: FlaskClient) -> None:
    response = client.get("/audit?page=2")
    assert response.status_code == 302
    assert "next=/audit?page%3D2" in response.headers["Location"]


# --- CSRF ----------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(app: Flask, admin: FlaskClient, database_url: str) -> None:
    routes = _changing_routes(app)
    assert any(e == "auth.logout" for e, _u, _m in routes)
    before = _snapshot(database_url)
    for endpoint, url, method in routes:
        for attempt in (
            {},
            {"data": {"csrf_token": "wrong"}},
            {"headers": {security.CSRF_HEADER: "wrong"}},
            # The token only counts in the form or the header, not in a JSON body.
            {"json": {"csrf_token": csrf(admin)}},
        ):
            assert admin.open(url, method=method, **attempt).status_code == 400, endpoint
    assert _snapshot(database_url) == before
    assert admin.get("/").status_code == 200  # still signed in: logout was refused too


def test_another_sessions_token_is_refused(
    client: FlaskClient, app: Flask, database_url: str
) -> None:
    add_staff(database_url, "a@clinic.test")
    add_staff(database_url, "b@clinic.test")
    sign_in(client, "a@clinic.test")
    other = app.test_client()
    sign_in(other, "b@clinic.test")
    assert client.post("/logout", data={"csrf_token": csrf(other)}).status_code == 400
    assert client.get("/").status_code == 200


def test_a_post_without_session_changes_nothing(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    before = _snapshot(database_url)
    for endpoint, url, method in _changing_routes(app):
        if endpoint == "auth.login":
            continue
        assert client.open(url, method=method).status_code == 400, endpoint
        # With the pre-login token the CSRF check passes: the login check still holds.
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in (302, 401), endpoint
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], endpoint
    assert _snapshot(database_url) == before


# --- roles ---------------------------------------------------------------------------


def test_admin_pages_are_exactly_the_admin_sections_and_exports(
    app: Flask, advisor: FlaskClient
) -> None:
    forbidden, open_to_advisors = set(), set()
    for endpoint, url in _routes(app, "GET"):
        status = _get(advisor, url)
        assert status != 500, endpoint
        (forbidden if status == 403 else open_to_advisors).add(endpoint)
    assert "audit.index" in forbidden
    assert forbidden == {e for e in forbidden | open_to_advisors if _admin_only(e)}


def test_an_advisor_cannot_post_to_admin_pages(
    app: Flask, advisor: FlaskClient, database_url: str
) -> None:
    before = _snapshot(database_url)
    for endpoint, url, method in _changing_routes(app):
        if _admin_only(endpoint):
            response = advisor.open(url, method=method, data={"csrf_token": csrf(advisor)})
            assert response.status_code == 403, endpoint
    assert _snapshot(database_url) == before


def test_an_admin_opens_the_admin_pages(admin: FlaskClient) -> None:
    assert admin.get("/audit").status_code == 200
    page = admin.get("/").get_data(as_text=True)
    assert 'href="/audit"' in page


def test_the_navigation_hides_admin_pages_from_advisors(advisor: FlaskClient) -> None:
    assert 'href="/audit"' not in advisor.get("/").get_data(as_text=True)


# --- lockout, second factor, rate limit -----------------------------------------------


def test_lockout_after_too_many_wrong_passwords(
    client: FlaskClient, database_url: str, app: Flask
) -> None:
    add_staff(database_url, "anna@clinic.test")
    attempts = app.config["SETTINGS"].console.max_failed_logins
    for _ in range(attempts):
        assert post_login(client, "anna@clinic.test", "wrong password!!").status_code == 401
    # Locked: even the right password is refused, and the answer says why.
    refused = post_login(client, "anna@clinic.test")
    assert refused.status_code == 429 and LOCKED in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    actions = audit_actions(database_url)
    assert actions.count("login.failed") == attempts
    assert "login.locked" in actions and "login.refused" in actions and "login" not in actions
    # Once the lockout has passed, the right password works again.
    with session_scope(database_url) as session:
        session.execute(
            update(StaffUser).values(locked_until=datetime.now(timezone.utc) - timedelta(seconds=1))
        )
    assert post_login(client, "anna@clinic.test").status_code == 302


def test_wrong_codes_lock_the_account_too(
    client: FlaskClient, database_url: str, app: Flask
) -> None:
    secret = add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    post_login(client, "boss@clinic.test")
    token = csrf_of(client.get("/login/code").get_data(as_text=True))
    for _ in range(app.config["SETTINGS"].console.max_failed_logins):
        response = client.post("/login/code", data={"code": "000000", "csrf_token": token})
        assert response.status_code == 401
    right = pyotp.TOTP(secret).now()
    assert client.post("/login/code", data={"code": right, "csrf_token": token}).status_code == 429
    assert client.get("/").status_code == 302


def test_an_unknown_email_gets_the_same_answer(client: FlaskClient, database_url: str) -> None:
    add_staff(database_url, "anna@clinic.test")
    known = post_login(client, "anna@clinic.test", "wrong password!!")
    unknown = post_login(client, "nobody@clinic.test", "wrong password!!")
    assert known.status_code == unknown.status_code == 401
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True).replace(
        csrf_of(unknown.get_data(as_text=True)), csrf_of(known.get_data(as_text=True))
    )
    # The typed email of nobody is not kept (it may be a password in the wrong field).
    assert "nobody@clinic.test" not in str(_snapshot(database_url)["audit_log"])


def test_a_disabled_account_cannot_sign_in(client: FlaskClient, database_url: str) -> None:
    add_staff(database_url, "gone@clinic.test")
    with session_scope(database_url) as session:
        session.execute(update(StaffUser).values(disabled=True))
    assert post_login(client, "gone@clinic.test").status_code == 401


def test_a_totp_code_works_once(client: FlaskClient, database_url: str, app: Flask) -> None:
    secret = add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    sign_in(client, "boss@clinic.test", secret)
    used = staff_row(database_url, "boss@clinic.test").totp_last_step
    code = pyotp.TOTP(secret).generate_otp(used)
    client.post("/logout", data={"csrf_token": csrf(client)})
    post_login(client, "boss@clinic.test")
    token = csrf_of(client.get("/login/code").get_data(as_text=True))
    replayed = client.post("/login/code", data={"code": code, "csrf_token": token})
    assert replayed.status_code == 401
    assert client.get("/").status_code == 302


def test_accepted_step_refuses_a_used_or_stale_step() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = 1_700_000_000.0
    step = int(now // 30)
    assert accepted_step(secret, totp.generate_otp(step), None, now) == step
    assert accepted_step(secret, totp.generate_otp(step), step, now) is None
    assert accepted_step(secret, totp.generate_otp(step + 1), step, now) == step + 1
    assert accepted_step(secret, totp.generate_otp(step - 2), None, now) is None
    assert accepted_step(secret, "12345", None, now) is None


def test_sign_in_attempts_are_limited_per_address(client: FlaskClient, app: Flask) -> None:
    limiter: LoginLimiter = app.extensions["console_login_limiter"]
    for _ in range(limiter.max_attempts):
        assert post_login(client, "nobody@clinic.test", "wrong password!!").status_code == 401
    # A forged X-Forwarded-For from a client that is no trusted proxy changes nothing.
    limited = post_login(client, "nobody@clinic.test", headers={"X-Forwarded-For": "203.0.113.9"})
    assert limited.status_code == 429
    assert RATE_LIMITED in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) >= 1
    # Another address is not held back by this one's attempts.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert post_login(elsewhere, "nobody@clinic.test", "wrong password!!").status_code == 401


def test_the_limiter_forgets_after_its_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_attempts=2, window=60, clock=lambda: now[0])
    assert limiter.attempt("a") is None and limiter.attempt("a") is None
    assert limiter.attempt("a") == 60
    assert limiter.attempt("b") is None
    now[0] = 60.5
    assert limiter.attempt("a") is None


def test_the_client_behind_a_trusted_proxy() -> None:
    import ipaddress

    proxy = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client_key("10.0.0.2", "203.0.113.9", proxy) == "203.0.113.9"
    # What the client wrote on the left is never believed.
    assert client_key("10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.5", proxy) == "203.0.113.9"
    assert client_key("198.51.100.1", "203.0.113.9", proxy) == "198.51.100.1"
    assert client_key("2001:db8::1", None, ()) == "2001:db8::/64"
    assert client_key(None, None, ()) == "unknown"


# --- sessions ------------------------------------------------------------------------


def _session_times(database_url: str, **moved: timedelta) -> None:
    now = datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        session.execute(update(StaffSession).values({k: now - v for k, v in moved.items()}))


def _session_count(database_url: str) -> int:
    with session_scope(database_url) as session:
        return len(session.execute(select(StaffSession.id)).all())


def test_an_idle_session_ends(advisor: FlaskClient, database_url: str, app: Flask) -> None:
    idle = app.config["IDLE_MINUTES"]
    _session_times(database_url, last_seen_at=timedelta(minutes=idle - 1))
    assert advisor.get("/").status_code == 200
    _session_times(database_url, last_seen_at=timedelta(minutes=idle + 1))
    assert advisor.get("/").status_code == 302
    assert _session_count(database_url) == 0


def test_a_session_ends_after_a_working_day_however_active(
    advisor: FlaskClient, database_url: str
) -> None:
    _session_times(
        database_url,
        created_at=timedelta(hours=security.MAX_SESSION_HOURS, minutes=1),
        last_seen_at=timedelta(0),
    )
    assert advisor.get("/").status_code == 302


def test_a_disabled_accounts_sessions_end(advisor: FlaskClient, database_url: str) -> None:
    with session_scope(database_url) as session:
        session.execute(update(StaffUser).values(disabled=True))
    assert advisor.get("/").status_code == 302
    assert _session_count(database_url) == 0


def test_login_issues_a_new_session_token(
    client: FlaskClient, database_url: str, app: Flask
) -> None:
    add_staff(database_url, "anna@clinic.test")
    # A token planted before login (session fixation) is never the session's.
    client.set_cookie(security.SESSION_COOKIE, "planted-by-an-attacker")
    sign_in(client, "anna@clinic.test")
    first = cookie(client, security.SESSION_COOKIE)
    assert first and first != "planted-by-an-attacker"
    sign_in(client, "anna@clinic.test")
    second = cookie(client, security.SESSION_COOKIE)
    assert second != first
    stale = app.test_client()
    stale.set_cookie(security.SESSION_COOKIE, first)
    assert stale.get("/").status_code == 302


def test_logout_ends_the_session_on_the_server(advisor: FlaskClient, app: Flask) -> None:
    token = cookie(advisor, security.SESSION_COOKIE)
    advisor.post("/logout", data={"csrf_token": csrf(advisor)})
    copy = app.test_client()
    copy.set_cookie(security.SESSION_COOKIE, token)
    assert copy.get("/").status_code == 302


def test_session_cookie_flags(client: FlaskClient, database_url: str) -> None:
    add_staff(database_url, "anna@clinic.test")
    response = post_login(client, "anna@clinic.test")
    set_cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("console_session=")
    )
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # plain HTTP on loopback: a Secure cookie would not return
    assert "Expires" not in set_cookie  # gone with the browser; the server ends it anyway


@pytest.fixture
def tls_client(database_url: str) -> Iterator[FlaskClient]:
    """A console configured for HTTPS (secure cookies), reached over https://."""
    settings = load_settings({}, read_dotenv=False)
    settings = replace(
        settings,
        database_url=database_url,
        console=replace(settings.console, secure_cookies=True),
    )
    client = create_app(settings).test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    yield client


def test_over_tls_cookies_are_secure_and_host_only(
    tls_client: FlaskClient, database_url: str
) -> None:
    add_staff(database_url, "anna@clinic.test")
    page = tls_client.get("/login")
    assert "Strict-Transport-Security" in page.headers
    assert any(h.startswith("__Host-console_csrf=") for h in page.headers.getlist("Set-Cookie"))
    response = post_login(tls_client, "anna@clinic.test")
    assert response.status_code == 302
    set_cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-console_session=")
    )
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "Domain" not in set_cookie
    assert tls_client.get("/").status_code == 200


# --- redirects, headers, error pages ---------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
    ],
)
def test_next_never_leaves_the_site(client: FlaskClient, database_url: str, target: str) -> None:
    add_staff(database_url, "anna@clinic.test")
    response = post_login(client, "anna@clinic.test", next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_to_a_page_of_the_console(client: FlaskClient, database_url: str) -> None:
    secret = add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    response = post_login(client, "boss@clinic.test", next="/audit?page=2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    done = client.post(
        "/login/code",
        data={
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_of(page),
            "next": "/audit?page=2",
        },
    )
    assert done.headers["Location"] == "/audit?page=2"


def test_security_headers_on_every_kind_of_page(client: FlaskClient, advisor: FlaskClient) -> None:
    for response in (client.get("/login"), advisor.get("/"), advisor.get("/no-such-page")):
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Referrer-Policy"] == "same-origin"


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def test_no_page_has_inline_script_or_style(
    app: Flask, client: FlaskClient, admin: FlaskClient
) -> None:
    """The CSP would silently block them: every page without arguments, as an admin."""
    assert (
        INLINE.search('<p style="x">')
        and INLINE.search("<script>")
        and INLINE.search('<a onclick="x">')
    )
    assert not INLINE.search('<script src="/static/console.js" defer></script>')
    pages = [client.get("/login")]
    for endpoint, url in _routes(app, "GET"):
        if "no-such-thing" not in url and "999999" not in url and endpoint != "home.health":
            pages.append(admin.get(url))
    for page in pages:
        if page.status_code == 200 and page.mimetype == "text/html":
            found = INLINE.search(page.get_data(as_text=True))
            assert found is None, (page.request.path, found and found.group(0))


def test_an_error_shows_no_trace(database_url: str) -> None:
    app = create_app(replace(load_settings({}, read_dotenv=False), database_url=database_url))

    def broken() -> str:
        raise RuntimeError("secret detail: anna@example.com /srv/app/secret.py")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", "anna@example.com", "secret.py", 'File "'):
        assert leak not in html
    assert response.headers["Content-Security-Policy"]


def test_not_found_and_wrong_method_pages(client: FlaskClient) -> None:
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)
    wrong = client.get("/logout")
    assert wrong.status_code == 405 and "Traceback" not in wrong.get_data(as_text=True)


def test_passwords_are_argon2id(database_url: str) -> None:
    add_staff(database_url, "anna@clinic.test")
    stored = staff_row(database_url, "anna@clinic.test").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
