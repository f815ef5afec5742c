"""The console's Flask application: one database session per request, the signed-in
staff member, CSRF on every POST, security headers, and error pages without traces.

Flask because it is maintained, small, and renders Jinja2 with autoescaping on for
every ``.html`` template; the pages are server-rendered (as Django admin and Chatwoot's
inbox are), with one small script of our own for the live parts.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, g, render_template, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from bot.console import security
from bot.console.login_limits import LoginLimiter
from bot.console.views import NAV
from bot.settings import Settings
from bot.store.db import engine_for

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def create_app(settings: Settings) -> Flask:
    """The console for ``settings`` (its database, cookies and timeouts)."""
    app = Flask(__name__)
    secure = settings.console.secure_cookies
    app.config.update(
        SETTINGS=settings,
        DATABASE_URL=settings.database_url,
        IDLE_MINUTES=settings.console.idle_minutes,
        SECURE_COOKIES=secure,
        TRUSTED_PROXIES=settings.trusted_proxies,
        MAX_CONTENT_LENGTH=1_048_576,
        # Flask's own signed cookie carries flash messages only (who is signed in lives
        # in the database): a key per process is enough, a restart drops unread flashes.
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME="__Host-console_flash" if secure else "console_flash",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_PATH="/",
    )
    # Sign-in attempts per client address (bot/console/login_limits.py), per process.
    app.extensions["console_login_limiter"] = LoginLimiter()
    engine = engine_for(settings.database_url)

    @app.before_request
    def open_request() -> Any:
        g.db = Session(engine, future=True)
        g.console_session = security.load_session(
            g.db, security.session_token_sent(), security.idle_timeout()
        )
        g.staff = (
            g.db.get(security.StaffUser, g.console_session.staff_id) if g.console_session else None
        )
        if request.method not in ("GET", "HEAD", "OPTIONS") and not security.csrf_ok():
            return render_template(
                "error.html", status=400, message="The form had expired. Please try again."
            ), 400
        return None

    @app.after_request
    def finish_request(response: Any) -> Any:
        db = g.pop("db", None)
        if db is not None:
            try:
                if response.status_code < 500:
                    db.commit()
                else:
                    db.rollback()
            finally:
                db.close()
        _security_headers(response)
        _pre_login_csrf_cookie(response)
        return response

    @app.teardown_request
    def close_request(_error: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.rollback()
            db.close()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        return render_template(
            "error.html", status=error.code, message=error.description
        ), error.code

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Any:
        app.logger.error("console error: %s", type(error).__name__)
        return render_template("error.html", status=500, message="Something went wrong."), 500

    _register_views(app)
    nav = [item for item in NAV if item[0] in app.view_functions]
    app.jinja_env.globals.update(
        csrf_token=security.csrf_token, current_staff=security.current_staff, nav_items=lambda: nav
    )
    return app


def _security_headers(response: Any) -> None:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    # No other site's window keeps a handle on ours; no powerful browser features.
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["SECURE_COOKIES"]:
        # Served over TLS: browsers must never fall back to plain HTTP for this host.
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    # Pages hold personal data: never kept in a shared browser's cache.
    response.headers.setdefault("Cache-Control", "no-store")


def _pre_login_csrf_cookie(response: Any) -> None:
    token = g.get("pre_login_csrf")
    if token and request.cookies.get(security.cookie_name(security.CSRF_COOKIE)) != token:
        security.set_cookie(response, security.CSRF_COOKIE, token)


def _register_views(app: Flask) -> None:
    # Each capability's pages are a blueprint of their own (bot/console/views/).
    from bot.console.views import registered_blueprints

    for blueprint in registered_blueprints():
        app.register_blueprint(blueprint)
