"""Signing in: password (argon2), then the second factor; enrolment; logging out.

TOTP is required for admins (enrolled at their first login) and optional for
advisors. After ``max_failed_logins`` wrong passwords or codes in a row the account is
locked for ``lockout_minutes``; the answer never says whether an email exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.console import security, totp
from bot.console.audit import record
from bot.console.passwords import hash_password, needs_rehash, verify_password
from bot.store.models import StaffUser

blueprint = Blueprint("auth", __name__)

LOGIN_FAILED = "Wrong email, password or code."
LOCKED = "Too many failed attempts: this account is locked for a while. Try again later."


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect.
    if (
        not target
        or urlsplit(target).netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return url_for("home.dashboard")
    return target


def _locked(staff: StaffUser) -> bool:
    locked_until = _aware(staff.locked_until)
    return locked_until is not None and locked_until > _now()


def _failed(staff: StaffUser, what: str) -> None:
    settings = current_app.config["SETTINGS"].console
    staff.failed_logins = (staff.failed_logins or 0) + 1
    if staff.failed_logins >= settings.max_failed_logins:
        staff.locked_until = _now() + timedelta(minutes=settings.lockout_minutes)
        staff.failed_logins = 0
        record(security.db(), staff.email, "login.locked", "staff", str(staff.id), after=what)


def _set_session_cookie(response: Any, token: str) -> Any:
    response.set_cookie(
        security.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SECURE_COOKIES"]),
    )
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    db = security.db()
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    staff = db.execute(
        select(StaffUser).where(func.lower(StaffUser.email) == email)
    ).scalar_one_or_none()
    if staff is not None and _locked(staff):
        return render_template("login.html", error=LOCKED, next=request.form.get("next", "")), 429
    # verify_password compares against a dummy hash when nobody matches: same time taken.
    if (
        not verify_password(staff.password_hash if staff else None, password)
        or staff is None
        or staff.disabled
    ):
        if staff is not None:
            _failed(staff, "password")
        return render_template(
            "login.html", error=LOGIN_FAILED, next=request.form.get("next", "")
        ), 401
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    needs_code = bool(staff.totp_confirmed)
    must_enrol = staff.role == security.ADMIN and not staff.totp_confirmed
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
    return _set_session_cookie(redirect(target), token)


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
    if _locked(staff):
        return render_template("login_code.html", error=LOCKED), 429
    step = totp.accepted_step(staff.totp_secret, request.form.get("code", ""), staff.totp_last_step)
    if step is None:
        _failed(staff, "code")
        return render_template(
            "login_code.html", error=LOGIN_FAILED, next=request.form.get("next", "")
        ), 401
    staff.totp_last_step = step
    g.console_session.second_factor_done = True
    _signed_in(staff)
    return redirect(_safe_next(request.form.get("next")))


@blueprint.route("/account/totp", methods=["GET", "POST"])
def enrol() -> Any:
    """Set up the authenticator app: required for admins, optional for advisors."""
    staff = security.current_staff() or _half_signed_in()
    if staff is None:
        return redirect(url_for("auth.login"))
    if not staff.totp_secret or (request.method == "GET" and not staff.totp_confirmed):
        staff.totp_secret = staff.totp_secret or totp.new_secret()
    uri = totp.provisioning_uri(staff.totp_secret, staff.email)
    if request.method == "GET" or staff.totp_confirmed:
        return render_template(
            "enrol.html", qr=totp.qr_svg(uri), secret=staff.totp_secret, done=staff.totp_confirmed
        )
    step = totp.accepted_step(staff.totp_secret, request.form.get("code", ""), staff.totp_last_step)
    if step is None:
        return render_template(
            "enrol.html", qr=totp.qr_svg(uri), secret=staff.totp_secret, error=LOGIN_FAILED
        ), 400
    staff.totp_confirmed = True
    staff.totp_last_step = step
    record(security.db(), staff.email, "totp.enrolled", "staff", str(staff.id))
    if not g.console_session.second_factor_done:
        g.console_session.second_factor_done = True
        _signed_in(staff)
    return redirect(url_for("home.dashboard"))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    console_session = g.get("console_session")
    if console_session is not None and g.get("staff") is not None:
        record(security.db(), g.staff.email, "logout", "staff", str(g.staff.id))
    security.end_session(security.db(), console_session)
    response = redirect(url_for("auth.login"))
    response.delete_cookie(security.SESSION_COOKIE)
    return response
