"""Who is signed in, and what they may do: server-side sessions, CSRF, roles.

The cookie holds a random token; the database holds its SHA-256 (``StaffSession``), the
session's CSRF token and whether the second factor is done. A session ends on logout,
after ``idle_minutes`` without a request, ``MAX_SESSION_HOURS`` after login whatever the
activity (ASVS 3.3.2: a stolen cookie does not live for ever), when the account is
disabled, and (its other sessions) when the password or second factor changes.

Cookies are HttpOnly and SameSite=Lax; with ``secure_cookies`` (TLS) they are Secure and
carry the ``__Host-`` prefix, which a browser accepts only from this exact host over
HTTPS with path ``/`` (a sibling subdomain cannot plant one).

Every POST carries the CSRF token (a form field ``csrf_token`` or the header
``X-CSRF-Token``). Before login, the token is a random value in a cookie of its own
(double submit), so that the login form is protected too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.login_limits import client_key as _client_key
from bot.store.models import StaffSession, StaffUser

SESSION_COOKIE = "console_session"
CSRF_COOKIE = "console_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ADMIN, ADVISOR = "admin", "advisor"
ROLES = (ADVISOR, ADMIN)
# last_seen_at is written at most this often: not one UPDATE per page.
_TOUCH_SECONDS = 60
# A working day: after that, sign in again even when active.
MAX_SESSION_HOURS = 12

View = TypeVar("View", bound=Callable[..., Any])


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, staff: StaffUser, *, second_factor_done: bool) -> str:
    """A new session for ``staff``; the cookie's token. Earlier pre-login state is gone."""
    token = secrets.token_urlsafe(32)
    db.add(
        StaffSession(
            token_hash=token_hash(token),
            staff_id=staff.id,
            csrf_token=secrets.token_urlsafe(32),
            second_factor_done=second_factor_done,
        )
    )
    return token


def end_session(db: Session, console_session: StaffSession | None) -> None:
    """End one session (logout)."""
    if console_session is not None:
        db.delete(console_session)


def end_sessions_of(db: Session, staff_id: int, *, keep: StaffSession | None = None) -> int:
    """End every session of a staff member (but ``keep``); how many ended.

    After a password or second-factor change, or when an account is disabled, a browser
    someone else signed in with must not stay signed in.
    """
    found = db.execute(select(StaffSession).where(StaffSession.staff_id == staff_id)).scalars()
    ended = 0
    for other in list(found):
        if keep is None or other.id != keep.id:
            db.delete(other)
            ended += 1
    return ended


def load_session(db: Session, token: str | None, idle: timedelta) -> StaffSession | None:
    """The live session the cookie's token names, or None (unknown, idle, too old,
    disabled); a dead session's row is deleted."""
    if not token:
        return None
    found = db.execute(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if found is None:
        return None
    staff = db.get(StaffUser, found.staff_id)
    now = _now()
    if (
        staff is None
        or staff.disabled
        or _aware(found.last_seen_at) + idle < now
        or _aware(found.created_at) + timedelta(hours=MAX_SESSION_HOURS) < now
    ):
        db.delete(found)
        return None
    if (now - _aware(found.last_seen_at)).total_seconds() > _TOUCH_SECONDS:
        found.last_seen_at = now
    return found


def cookie_name(base: str) -> str:
    """``base``, with the ``__Host-`` prefix when cookies are Secure (served over TLS)."""
    return f"__Host-{base}" if current_app.config["SECURE_COOKIES"] else base


def set_cookie(response: Any, base: str, value: str) -> Any:
    """Set one of the console's cookies: HttpOnly, SameSite=Lax, host-only, path /,
    Secure over TLS; a browser session cookie (no expiry: the server ends sessions)."""
    response.set_cookie(
        cookie_name(base),
        value,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SECURE_COOKIES"]),
        path="/",
    )
    return response


def delete_cookie(response: Any, base: str) -> Any:
    response.delete_cookie(
        cookie_name(base),
        path="/",
        secure=bool(current_app.config["SECURE_COOKIES"]),
        httponly=True,
        samesite="Lax",
    )
    return response


def session_token_sent() -> str | None:
    """The session token the browser sent, if any."""
    return request.cookies.get(cookie_name(SESSION_COOKIE))


def csrf_token() -> str:
    """The token forms must send back (the session's, or the pre-login cookie's)."""
    console_session = g.get("console_session")
    if console_session is not None:
        return console_session.csrf_token
    if "pre_login_csrf" not in g:
        g.pre_login_csrf = request.cookies.get(cookie_name(CSRF_COOKIE)) or secrets.token_urlsafe(
            32
        )
    return g.pre_login_csrf


def csrf_ok() -> bool:
    """Whether the request carries the right CSRF token."""
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    console_session = g.get("console_session")
    expected = (
        console_session.csrf_token
        if console_session is not None
        else request.cookies.get(cookie_name(CSRF_COOKIE), "")
    )
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def current_staff() -> StaffUser | None:
    """The signed-in staff member (both factors done), or None."""
    console_session = g.get("console_session")
    if console_session is None or not console_session.second_factor_done:
        return None
    return g.get("staff")


def signed_in_staff() -> StaffUser:
    """The signed-in staff member, in a view behind ``login_required``."""
    staff = current_staff()
    if staff is None:  # only a view without login_required gets here
        abort(401)
    return staff


def page_number() -> int:
    """The ``page`` query argument: 1 or more, 1 for anything else."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def login_required(view: View) -> View:
    """The view for signed-in staff; others go to the login page (401 for fragments)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            # Script requests (fetch, htmx) get 401: a redirect would swap the login
            # form into a fragment of the page.
            if (
                request.headers.get("X-Requested-With")
                or request.headers.get("HX-Request")
                or request.accept_mimetypes.best in ("application/json", "text/csv")
            ):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def admin_required(view: View) -> View:
    """The view for admins; an advisor gets 403."""

    @wraps(view)
    @login_required
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_staff().role != ADMIN:  # type: ignore[union-attr]
            abort(403)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def db() -> Session:
    """The request's database session (committed after the view, rolled back on error)."""
    return g.db


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["IDLE_MINUTES"])


def client_key() -> str:
    """The requesting client's rate-limit bucket (its address behind trusted proxies)."""
    return _client_key(
        request.remote_addr,
        ",".join(request.headers.getlist("X-Forwarded-For")),
        current_app.config["TRUSTED_PROXIES"],
    )
