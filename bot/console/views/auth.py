"""Signing in: password (argon2), then the second factor; enrolment; logging out.

TOTP is required for admins (enrolled at their first login) and optional for
advisors (Account → Authenticator app). After ``max_failed_logins`` wrong passwords or
codes in a row the account is locked for ``lockout_minutes``; each client address may
try ``login_limits.MAX_ATTEMPTS`` times a minute whatever the account. The answer to a
wrong email, password or code is the same. Failures, lockouts and refusals are audited
(with the client's address, for an admin looking into an attack).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from bot.console import security, totp
from bot.console.audit import record
from bot.console.login_limits import LoginLimiter
from bot.console.passwords import hash_password, needs_rehash, verify_password
from bot.store.models import StaffUser

blueprint = Blueprint("auth", __name__)

LOGIN_FAILED = "Wrong email, password or code."
LOCKED = "Too many failed attempts: this account is locked for a while. Try again later."
RATE_LIMITED = "Too many sign-in attempts from your network. Wait a minute, then try again."
# The audit log names a person; a typed email that matches nobody is not stored (it may
# be a password typed into the wrong field).
UNKNOWN_ACCOUNT = "(unknown account)"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the dashboard: never an open redirect.

    Browsers read ``/\\evil.example`` as ``//evil.example`` and drop tabs and newlines
    from URLs, so backslashes and control characters are refused too.
    """
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target)
        or urlsplit(target).netloc
        or urlsplit(target).scheme
    ):
        return url_for("home.dashboard")
    return target


def _locked(staff: StaffUser) -> bool:
    locked_until = _aware(staff.locked_until)
    return locked_until is not None and locked_until > _now()


def record_failure(staff: StaffUser | None, what: str) -> None:
    """Count a wrong password or code; lock the account after too many in a row."""
    db = security.db()
    address = security.client_key()
    if staff is None:
        record(db, UNKNOWN_ACCOUNT, "login.failed", "staff", None, reason=what, address=address)
        return
    settings = current_app.config["SETTINGS"].console
    staff.failed_logins = (staff.failed_logins or 0) + 1
    record(db, staff.email, "login.failed", "staff", str(staff.id), reason=what, address=address)
    if staff.failed_logins >= settings.max_failed_logins:
        staff.locked_until = _now() + timedelta(minutes=settings.lockout_minutes)
        staff.failed_logins = 0
        record(
            db,
            staff.email,
            "login.locked",
            "staff",
            str(staff.id),
            after=what,
            minutes=settings.lockout_minutes,
            address=address,
        )


def _refused_locked(staff: StaffUser) -> None:
    record(
        security.db(),
        staff.email,
        "login.refused",
        "staff",
        str(staff.id),
        reason="locked",
        address=security.client_key(),
    )


def rate_limited(template: str = "error.html") -> Any | None:
    """Count a sign-in attempt (or a re-entered password) from this client: the 429 page
    when it has tried too often this minute, else None.

    Refusals are not audited: a script's would flood the log; its failed attempts before
    the limit are there.
    """
    limiter: LoginLimiter = current_app.extensions["console_login_limiter"]
    wait = limiter.attempt(security.client_key())
    if wait is None:
        return None
    current_app.logger.warning("console: sign-in attempts rate-limited for a client")
    page = render_template(
        template,
        error=RATE_LIMITED,
        status=429,
        message=RATE_LIMITED,
        next=request.form.get("next", ""),
    )
    return page, 429, {"Retry-After": str(int(wait) + 1)}


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    limited = rate_limited("login.html")
    if limited is not None:
        return limited
    db = security.db()
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    staff = db.execute(
        select(StaffUser).where(func.lower(StaffUser.email) == email)
    ).scalar_one_or_none()
    if staff is not None and _locked(staff):
        _refused_locked(staff)
        return render_template("login.html", error=LOCKED, next=request.form.get("next", "")), 429
    # verify_password compares against a dummy hash when nobody matches: same time taken.
    if (
        not verify_password(staff.password_hash if staff else None, password)
        or staff is None
        or staff.disabled
    ):
        record_failure(staff, "disabled" if staff is not None and staff.disabled else "password")
        return render_template(
            "login.html", error=LOGIN_FAILED, next=request.form.get("next", "")
        ), 401
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    needs_code = bool(staff.totp_confirmed)
    must_enrol = staff.role == security.ADMIN and not staff.totp_confirmed
    # A new session (new token) at every login: a token planted before it is worthless.
    if g.get("console_session") is not None:
        security.end_session(db, g.console_session)
    token = security.start_session(db, staff, second_factor_done=not (needs_code or must_enrol))
    if not (needs_code or must_enrol):
        _signed_in(staff)
        target = _safe_next(request.form.get("next"))
    elif needs_code:
        target = url_for("auth.code", next=request.form.get("next", ""))
    else:
        target = url_for("auth.enrol")
    return security.set_cookie(redirect(target), security.SESSION_COOKIE, token)


def _signed_in(staff: StaffUser) -> None:
    staff.failed_logins = 0
    staff.last_login_at = _now()
    record(security.db(), staff.email, "login", "staff", str(staff.id))


def _half_signed_in() -> StaffUser | None:
    """The staff member whose password was right but whose second factor is pending."""
    console_session = g.get("console_session")
    if console_session is None or console_session.second_factor_done:
        return None
    return g.get("staff")


@blueprint.route("/login/code", methods=["GET", "POST"])
def code() -> Any:
    staff = _half_signed_in()
    if staff is None or not staff.totp_confirmed:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("login_code.html", next=request.args.get("next", ""))
    limited = rate_limited("login_code.html")
    if limited is not None:
        return limited
    if _locked(staff):
        _refused_locked(staff)
        return render_template("login_code.html", error=LOCKED), 429
    step = totp.accepted_step(staff.totp_secret, request.form.get("code", ""), staff.totp_last_step)
    if step is None:
        record_failure(staff, "code")
        return render_template(
            "login_code.html", error=LOGIN_FAILED, next=request.form.get("next", "")
        ), 401
    staff.totp_last_step = step
    g.console_session.second_factor_done = True
    _signed_in(staff)
    return redirect(_safe_next(request.form.get("next")))


@blueprint.route("/account/totp", methods=["GET", "POST"])
def enrol() -> Any:
    """Set up the authenticator app: required for admins, optional for advisors.

    An admin's first login lands here after the password. A signed-in advisor comes from
    Account and confirms with the current password as well as a first code, so that a
    browser left signed in cannot be used to tie the account to someone else's phone.
    """
    signed_in = security.current_staff()
    staff = signed_in or _half_signed_in()
    if staff is None:
        return redirect(url_for("auth.login"))
    if not staff.totp_secret or (request.method == "GET" and not staff.totp_confirmed):
        staff.totp_secret = staff.totp_secret or totp.new_secret()
    uri = totp.provisioning_uri(staff.totp_secret, staff.email)
    page = {
        "qr": totp.qr_svg(uri),
        "secret": staff.totp_secret,
        "done": staff.totp_confirmed,
        "ask_password": signed_in is not None,
    }
    if request.method == "GET" or staff.totp_confirmed:
        return render_template("enrol.html", **page)
    limited = rate_limited()
    if limited is not None:
        return limited
    if signed_in is not None and not verify_password(
        staff.password_hash, request.form.get("password", "")
    ):
        record_failure(staff, "password (authenticator set-up)")
        return render_template("enrol.html", error="Wrong password or code.", **page), 400
    step = totp.accepted_step(staff.totp_secret, request.form.get("code", ""), staff.totp_last_step)
    if step is None:
        return render_template("enrol.html", error="Wrong password or code.", **page), 400
    staff.totp_confirmed = True
    staff.totp_last_step = step
    record(security.db(), staff.email, "totp.enrolled", "staff", str(staff.id))
    # Browsers signed in with the password alone must now sign in with the code too.
    security.end_sessions_of(security.db(), staff.id, keep=g.console_session)
    if not g.console_session.second_factor_done:
        g.console_session.second_factor_done = True
        _signed_in(staff)
        return redirect(url_for("home.dashboard"))
    flash("Your authenticator app is set up: sign-ins now ask for its code.", "success")
    return redirect(url_for("account.index"))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    console_session = g.get("console_session")
    if console_session is not None and g.get("staff") is not None:
        record(security.db(), g.staff.email, "logout", "staff", str(g.staff.id))
    security.end_session(security.db(), console_session)
    return security.delete_cookie(redirect(url_for("auth.login")), security.SESSION_COOKIE)
