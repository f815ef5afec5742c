"""The advisor inbox: handoffs waiting and live, a handoff's transcript, claim, reply
(with canned replies) and hand back; fragments that ``console.js`` polls.

URLs name the handoff by its id, not the conversation id: a WhatsApp conversation id is
the patient's phone number, which has no place in URLs, browser history or access logs.
The logic is in ``bot.console.inbox``; the actions go through Rasa's HTTP API.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from bot.console import audit, inbox
from bot.console.security import current_staff, db, login_required
from bot.settings import Settings

blueprint = Blueprint("inbox", __name__, url_prefix="/inbox")

# How often the pages ask for news (seconds): the open conversation more often.
QUEUE_POLL_SECONDS = 10
MESSAGES_POLL_SECONDS = 4


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    settings = _settings()
    return {
        "channel_label": inbox.channel_label,
        "when": lambda moment: inbox.clinic_time(moment, settings.handoff.timezone),
        "first_response_minutes": settings.console.first_response_minutes,
    }


def _row(handoff_id: int) -> inbox.QueueRow:
    row = inbox.handoff_row(db(), handoff_id, _settings().console.first_response_minutes)
    if row is None:
        abort(404)
    return row


def _queue_context() -> dict[str, Any]:
    found = inbox.queue(db(), _settings().console.first_response_minutes)
    return {
        "waiting": found.waiting,
        "live": found.live,
        "waiting_total": found.waiting_total,
        "live_total": found.live_total,
    }


def _messages_context(row: inbox.QueueRow) -> dict[str, Any]:
    lines = inbox.transcript(db(), row.conversation_id)
    return {
        "row": row,
        "lines": lines,
        "patient_messages": sum(1 for line in lines if line.kind == "patient"),
        "problems": inbox.delivery_problems(_settings(), row.conversation_id),
    }


@blueprint.route("/")
@login_required
def index() -> Any:
    return render_template("inbox/index.html", poll_seconds=QUEUE_POLL_SECONDS, **_queue_context())


@blueprint.route("/live", defaults={"handoff_id": None})
@blueprint.route("/<int:handoff_id>/live")
@login_required
def fragment(handoff_id: int | None) -> Any:
    """The live part of a page, for ``console.js``: the queue, or one handoff's messages.

    Not audited (it is polled every few seconds); opening the page was.
    """
    if handoff_id is None:
        return render_template("inbox/_queue.html", **_queue_context())
    return render_template("inbox/_messages.html", **_messages_context(_row(handoff_id)))


def _show(row: inbox.QueueRow, draft: str = "", error: str = "") -> Any:
    staff = current_staff()
    return render_template(
        "inbox/show.html",
        canned=inbox.canned_replies(),
        may_reply=row.is_open and inbox.may_reply(row, staff.display_name),
        mine=row.advisor == staff.display_name and row.status == inbox.ACTIVE,
        draft=draft,
        error=error,
        poll_seconds=MESSAGES_POLL_SECONDS,
        **_messages_context(row),
    )


@blueprint.route("/<int:handoff_id>")
@login_required
def show(handoff_id: int) -> Any:
    row = _row(handoff_id)
    audit.record(db(), current_staff().email, "handoff.view", "handoff", str(handoff_id))
    return _show(row)


def _open_row(handoff_id: int) -> inbox.QueueRow | None:
    """The handoff if it is still open; otherwise the advisor is told, and None."""
    row = _row(handoff_id)
    if not row.is_open:
        flash("This handoff is closed: the conversation is back with the assistant.", "error")
        return None
    return row


def _before_rasa_call() -> None:
    # The advisor's functions write the handoff in transactions of their own. On SQLite a
    # pending write of this request (the session's last-seen time) would hold the
    # database lock and make theirs wait, then fail: commit it first.
    db().commit()


@blueprint.route("/<int:handoff_id>/claim", methods=["POST"])
@login_required
def claim(handoff_id: int) -> Any:
    staff = current_staff()
    row = _open_row(handoff_id)
    if row is None:
        return redirect(url_for("inbox.show", handoff_id=handoff_id))
    previous = row.advisor if row.status == inbox.ACTIVE else None
    _before_rasa_call()
    try:
        inbox.claim(_settings(), row.conversation_id, staff.display_name)
    except inbox.InboxError as exc:
        flash(str(exc), "error")
        return redirect(url_for("inbox.show", handoff_id=handoff_id))
    audit.record(
        db(), staff.email, "handoff.claim", "handoff", str(handoff_id), taken_over_from=previous
    )
    flash(
        f"You took over from {previous}."
        if previous and previous != staff.display_name
        else "You have this conversation: the assistant is paused.",
        "success",
    )
    return redirect(url_for("inbox.show", handoff_id=handoff_id))


@blueprint.route("/<int:handoff_id>/reply", methods=["POST"])
@login_required
def reply(handoff_id: int) -> Any:
    staff = current_staff()
    row = _open_row(handoff_id)
    if row is None:
        return redirect(url_for("inbox.show", handoff_id=handoff_id))
    canned_key = request.form.get("canned", "")
    if canned_key:
        canned = inbox.canned_reply(canned_key)
        if canned is None:
            abort(400)
        text = canned.text
    else:
        text = request.form.get("text", "")
    if not inbox.may_reply(row, staff.display_name):
        return _show(
            row,
            draft=text,
            error=f"{row.advisor} has this conversation. Take it over first to reply.",
        )
    _before_rasa_call()
    try:
        inbox.send_reply(_settings(), row.conversation_id, text, staff.display_name)
    except inbox.InboxError as exc:
        # Audited too: a reply the patient never got is part of the record.
        audit.record(
            db(), staff.email, "handoff.reply_failed", "handoff", str(handoff_id), reason=str(exc)
        )
        # The page again, with the advisor's text kept, rather than a redirect losing it.
        return _show(_row(handoff_id), draft=text, error=str(exc))
    audit.record(
        db(),
        staff.email,
        "handoff.reply",
        "handoff",
        str(handoff_id),
        canned=canned_key or None,
        chars=len(text.strip()),
    )
    flash("Sent to the patient.", "success")
    return redirect(url_for("inbox.show", handoff_id=handoff_id))


@blueprint.route("/<int:handoff_id>/handback", methods=["POST"])
@login_required
def handback(handoff_id: int) -> Any:
    staff = current_staff()
    row = _open_row(handoff_id)
    if row is None:
        return redirect(url_for("inbox.show", handoff_id=handoff_id))
    if not (row.status == inbox.ACTIVE and row.advisor == staff.display_name):
        flash("Claim the conversation before handing it back.", "error")
        return redirect(url_for("inbox.show", handoff_id=handoff_id))
    note = request.form.get("note", "")
    _before_rasa_call()
    try:
        inbox.hand_back(_settings(), row.conversation_id, note)
    except inbox.InboxError as exc:
        flash(str(exc), "error")
        return redirect(url_for("inbox.show", handoff_id=handoff_id))
    audit.record(
        db(), staff.email, "handoff.handback", "handoff", str(handoff_id), note=bool(note.strip())
    )
    flash("Handed back to the assistant.", "success")
    return redirect(url_for("inbox.index"))
