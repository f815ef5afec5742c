"""Account: the signed-in member's own settings (password, authenticator app, sessions).

Each change asks for the current password again (ASVS 3.7.1): a browser left signed in
must not be enough to take the account over. A new password or signing out elsewhere
ends the member's other sessions at once (they are server-side).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import security
from bot.console.audit import record
from bot.console.passwords import hash_password, password_problem, verify_password
from bot.console.views.auth import rate_limited, record_failure
from bot.store.models import StaffSession, StaffUser

blueprint = Blueprint("account", __name__)

WRONG_PASSWORD = "Your current password was not right."


def _page(status: int = 200, **context: Any) -> Any:
    staff: StaffUser = security.current_staff()  # type: ignore[assignment]
    sessions = (
        security.db()
        .execute(
            select(StaffSession)
            .where(StaffSession.staff_id == staff.id, StaffSession.second_factor_done.is_(True))
            .order_by(StaffSession.last_seen_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "account.html",
        staff=staff,
        sessions=sessions,
        this_session=g.console_session,
        **context,
    ), status


@blueprint.route("/account")
@security.login_required
def index() -> Any:
    return _page()


def _current_password_ok(staff: StaffUser) -> bool:
    """Whether the form's current password is right; a wrong one counts as a failed
    login (rate limit and lockout), or the form would be a free password oracle."""
    if verify_password(staff.password_hash, request.form.get("current_password", "")):
        return True
    record_failure(staff, "password (account page)")
    return False


@blueprint.route("/account/password", methods=["POST"])
@security.login_required
def change_password() -> Any:
    staff: StaffUser = security.current_staff()  # type: ignore[assignment]
    limited = rate_limited()
    if limited is not None:
        return limited
    if not _current_password_ok(staff):
        return _page(400, password_error=WRONG_PASSWORD)
    new = request.form.get("new_password", "")
    if new != request.form.get("new_password_again", ""):
        return _page(400, password_error="The two new passwords were not the same.")
    problem = password_problem(new, email=staff.email)
    if problem is None and verify_password(staff.password_hash, new):
        problem = "The new password must differ from the current one."
    if problem is not None:
        return _page(400, password_error=problem)
    staff.password_hash = hash_password(new)
    ended = security.end_sessions_of(security.db(), staff.id, keep=g.console_session)
    record(
        security.db(), staff.email, "password.changed", "staff", str(staff.id), sessions_ended=ended
    )
    flash("Your password is changed. Other browsers signed in as you were signed out.", "success")
    return redirect(url_for("account.index"))


@blueprint.route("/account/sessions/end", methods=["POST"])
@security.login_required
def end_other_sessions() -> Any:
    """Sign out every other browser (a lost laptop, a shared computer)."""
    staff: StaffUser = security.current_staff()  # type: ignore[assignment]
    limited = rate_limited()
    if limited is not None:
        return limited
    if not _current_password_ok(staff):
        return _page(400, sessions_error=WRONG_PASSWORD)
    ended = security.end_sessions_of(security.db(), staff.id, keep=g.console_session)
    record(security.db(), staff.email, "sessions.ended", "staff", str(staff.id), count=ended)
    flash(f"Signed out of {ended} other browser(s).", "success")
    return redirect(url_for("account.index"))
