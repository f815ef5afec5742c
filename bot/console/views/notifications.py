"""Notifications (admins): advisor notifications that failed or were given up, and a retry.

The logic is in ``bot.console.outbox_admin``; the worker process does the sending.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from bot.console import audit, outbox_admin
from bot.console.inbox import clinic_time
from bot.console.security import admin_required, current_staff, db

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    zone = current_app.config["SETTINGS"].handoff.timezone
    return {"when": lambda moment: clinic_time(moment, zone)}


@blueprint.route("/")
@admin_required
def index() -> Any:
    return render_template(
        "notifications/index.html",
        problems=outbox_admin.problems(db()),
        counts=outbox_admin.counts(db()),
    )


@blueprint.route("/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry(message_id: int) -> Any:
    try:
        before = outbox_admin.retry(db(), message_id)
    except LookupError:
        abort(404)
    except outbox_admin.RetryError as exc:
        flash(str(exc), "error")
        return redirect(url_for("notifications.index"))
    audit.record(
        db(),
        current_staff().email,
        "outbox.retry",
        "outbox",
        str(message_id),
        kind=before.kind,
        previous_status=before.status,
        previous_attempts=before.attempts,
        previous_error=before.last_error,
    )
    flash(f"Notification {message_id} is queued again; the worker sends it shortly.", "success")
    return redirect(url_for("notifications.index"))
