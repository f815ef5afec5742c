"""The safety queue: emergency flags for staff to acknowledge."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.console import audit
from bot.console.safety_queue import MODEL, acknowledge, mark_false_alarm, queue_page
from bot.console.security import db, login_required, page_number, signed_in_staff
from bot.store.models import SafetyFlag

blueprint = Blueprint("safety", __name__, url_prefix="/safety")


def _back() -> Any:
    show = request.form.get("show")
    return redirect(url_for("safety.queue", show="open" if show == "open" else None))


@blueprint.route("")
@login_required
def queue() -> Any:
    open_only = request.args.get("show") == "open"
    page = queue_page(db(), page_number(), open_only=open_only)
    return render_template("safety/queue.html", page=page, open_only=open_only)


@blueprint.route("/acknowledge", methods=["POST"])
@login_required
def acknowledge_selected() -> Any:
    """Acknowledge one flag (its row's button, ``flag``) or the checked ones (``ids``)."""
    staff = signed_in_staff()
    clicked = request.form.get("flag")
    wanted = [clicked] if clicked else request.form.getlist("ids")
    ids = {int(value) for value in wanted if value.isdigit()}
    done = 0
    for flag_id in sorted(ids):
        flag = db().get(SafetyFlag, flag_id)
        if flag is not None and acknowledge(flag, staff.email):
            done += 1
            audit.record(
                db(), staff.email, "safety_flag.acknowledge", "safety_flag", str(flag.id),
                conversation_id=flag.conversation_id,
            )  # fmt: skip
    if done:
        flash(f"{done} flag(s) acknowledged.", "success")
    else:
        flash("No flag to acknowledge was selected.", "error")
    return _back()


@blueprint.route("/<int:flag_id>/false-alarm", methods=["POST"])
@login_required
def false_alarm(flag_id: int) -> Any:
    staff = signed_in_staff()
    flag = db().get(SafetyFlag, flag_id)
    if flag is None:
        abort(404)
    if flag.detected_by != MODEL:
        abort(400, "A flag raised by the safety rules cannot be marked as a false alarm.")
    if not flag.false_alarm:
        mark_false_alarm(db(), flag, staff.email)
        audit.record(
            db(), staff.email, "safety_flag.false_alarm", "safety_flag", str(flag.id),
            conversation_id=flag.conversation_id,
        )  # fmt: skip
        flash("Marked as a false alarm.", "success")
    return _back()
