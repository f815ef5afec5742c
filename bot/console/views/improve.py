"""The improvement loop: messages the assistant was unsure about, staff's corrections,
and their export as Rasa NLU training data (masked)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import audit
from bot.console.corrections import (
    correct,
    correction_count,
    delete_correction,
    export_nlu,
    load_choices,
    unsure_message,
    unsure_page,
)
from bot.console.security import (
    ADMIN,
    admin_required,
    db,
    login_required,
    page_number,
    signed_in_staff,
)
from bot.store.models import Correction

blueprint = Blueprint("improve", __name__, url_prefix="/improve")
RECENT_CORRECTIONS = 50


def _back() -> Any:
    show = request.form.get("show")
    page = request.form.get("page")
    return redirect(
        url_for(
            "improve.index",
            show="all" if show == "all" else None,
            page=page if page and page.isdigit() and page != "1" else None,
        )
    )


@blueprint.route("")
@login_required
def index() -> Any:
    show_all = request.args.get("show") == "all"
    page = unsure_page(db(), page_number(), pending_only=not show_all)
    recent = list(
        db()
        .execute(select(Correction).order_by(Correction.id.desc()).limit(RECENT_CORRECTIONS))
        .scalars()
    )
    return render_template(
        "improve/index.html",
        page=page,
        show_all=show_all,
        choices=load_choices(),
        recent=recent,
        total_corrections=correction_count(db()),
        can_export=signed_in_staff().role == ADMIN,
    )


@blueprint.route("/corrections", methods=["POST"])
@login_required
def add() -> Any:
    staff = signed_in_staff()
    conversation_id = request.form.get("conversation_id") or ""
    event_id = request.form.get("event_id") or ""
    corrected = (request.form.get("corrected") or "").strip()
    if corrected not in load_choices():
        flash("Choose one of the listed intents or FAQ topics.", "error")
        return _back()
    message = unsure_message(db(), conversation_id, int(event_id)) if event_id.isdigit() else None
    if message is None:
        abort(404)
    correction = correct(db(), conversation_id, message, corrected, staff.email)
    db().flush()
    audit.record(
        db(), staff.email, "correction.save", "correction", str(correction.id),
        conversation_id=conversation_id, predicted=correction.predicted, corrected=corrected,
    )  # fmt: skip
    flash(f"Saved: the message meant {corrected}.", "success")
    return _back()


@blueprint.route("/corrections/<int:correction_id>/delete", methods=["POST"])
@login_required
def delete(correction_id: int) -> Any:
    staff = signed_in_staff()
    correction = delete_correction(db(), correction_id)
    if correction is None:
        abort(404)
    audit.record(
        db(), staff.email, "correction.delete", "correction", str(correction_id),
        conversation_id=correction.conversation_id,
    )  # fmt: skip
    flash("Correction deleted.", "success")
    return _back()


@blueprint.route("/export", methods=["POST"])
@admin_required
def export() -> Any:
    staff = signed_in_staff()
    text, examples = export_nlu(db())
    audit.record(db(), staff.email, "corrections.export", "corrections", None, examples=examples)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return Response(
        text,
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f'attachment; filename="nlu_corrections_{stamp}.yml"'},
    )
