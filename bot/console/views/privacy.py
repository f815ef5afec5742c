"""The privacy page (admins): erase a conversation on request, and the retention purge.

Both actions are POSTs with the CSRF token, admin only, and audited. An erasure takes
two steps: the page shows what is stored about the conversation, and only a POST with
the confirmation box ticked erases it.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import SQLAlchemyError

from bot.console import privacy_admin
from bot.console.audit import record
from bot.console.security import admin_required, current_staff, db
from bot.store.db import engine_for

blueprint = Blueprint("privacy", __name__, url_prefix="/privacy")

CONFIRM_VALUE = "erase"


def _retention_days() -> int:
    return current_app.config["SETTINGS"].retention_days


def _page(conversation_id: str, *, error: str | None = None, status: int = 200) -> Any:
    preview = privacy_admin.preview_erasure(db(), conversation_id) if conversation_id else None
    return render_template(
        "privacy/index.html",
        conversation_id=conversation_id,
        preview=preview,
        active=preview.active() if preview is not None else False,
        error=error,
        purge=privacy_admin.purge_status(db(), _retention_days()),
        confirm_value=CONFIRM_VALUE,
    ), status


@blueprint.route("")
@admin_required
def index() -> Any:
    """The page; with ``?conversation=<id>`` (typed or linked) the erasure's confirmation."""
    return _page(privacy_admin.clean_conversation_id(request.args.get("conversation")))


@blueprint.route("/erase", methods=["POST"])
@admin_required
def erase() -> Any:
    """Erase the conversation, once confirmed."""
    conversation_id = privacy_admin.clean_conversation_id(request.form.get("conversation_id"))
    if not conversation_id:
        return _page("", error="Enter the conversation id to erase.", status=400)
    if request.form.get("confirm") != CONFIRM_VALUE:
        return _page(
            conversation_id,
            error="Tick the confirmation box to erase this conversation.",
            status=400,
        )
    try:
        result = privacy_admin.erase(db(), conversation_id)
    except privacy_admin.ErasureRefused as refused:
        return _page(conversation_id, error=str(refused), status=409)
    staff = current_staff()
    record(
        db(),
        staff.email,  # type: ignore[union-attr]
        "conversation.erase",
        "conversation",
        conversation_id,
        rows=result.removed,
        total=result.total,
    )
    # No conversation id in the message: the flash cookie is signed, not encrypted.
    flash(f"The conversation was erased: {result.total:,} rows removed.", "success")
    return redirect(url_for("privacy.index"), code=303)


@blueprint.route("/purge", methods=["POST"])
@admin_required
def purge() -> Any:
    """Run the retention purge now."""
    staff = current_staff()
    days = _retention_days()
    # The purge runs in a transaction of its own: nothing of this request may hold a
    # write lock on SQLite meanwhile.
    db().commit()
    try:
        report = privacy_admin.run_purge(engine_for(current_app.config["DATABASE_URL"]), days)
    except SQLAlchemyError as exc:
        current_app.logger.error("retention purge failed: %s", type(exc).__name__)
        record(db(), staff.email, "retention.purge", error=type(exc).__name__)  # type: ignore[union-attr]
        flash("The purge failed; nothing was removed. The console's log has the error.", "error")
        return redirect(url_for("privacy.index"), code=303)
    record(
        db(),
        staff.email,  # type: ignore[union-attr]
        "retention.purge",
        retention_days=days,
        **privacy_admin.purge_detail(report),
    )
    flash(
        f"The purge ran: {report.conversations:,} conversations and "
        f"{report.events + sum(report.records.values()):,} rows removed.",
        "success",
    )
    return redirect(url_for("privacy.index"), code=303)
