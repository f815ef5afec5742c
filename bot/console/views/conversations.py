"""Conversations: the list (filters, search, saved filters, bulk review and tags) and
the transcript (review mark, tags, note, "save as test story")."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from bot.console import audit
from bot.console.conversations import (
    CHANNELS,
    OUTCOMES,
    Cursor,
    Filters,
    add_tag,
    channel_label,
    delete_filter,
    list_page,
    mark_reviewed,
    normalise_tag,
    remove_tag,
    save_filter,
    saved_filters,
    set_note,
    summaries_of,
)
from bot.console.security import (
    ADMIN,
    admin_required,
    db,
    login_required,
    signed_in_staff,
)
from bot.console.stories import as_test_story, file_name
from bot.console.transcripts import load_all, transcript
from bot.store.models import ConversationSummary, Lead, SafetyFlag
from bot.store.summaries import update_summary

blueprint = Blueprint("conversations", __name__, url_prefix="/conversations")

BULK_ACTIONS = ("review", "tag")


def _list_url(query: str | None) -> str:
    """The list with the filters of ``query`` (a query string; nothing else is kept)."""
    from urllib.parse import parse_qsl

    filters = Filters.from_args(dict(parse_qsl((query or "").lstrip("?"))))
    url = url_for("conversations.index")
    return f"{url}?{filters.query_string()}" if filters.active else url


@blueprint.route("")
@login_required
def index() -> Any:
    filters = Filters.from_args(request.args)
    after = Cursor.decode(request.args.get("after"))
    before = None if after else Cursor.decode(request.args.get("before"))
    page = list_page(db(), filters, after=after, before=before)
    staff = signed_in_staff()
    return render_template(
        "conversations/index.html",
        page=page,
        filters=filters,
        args=filters.to_args(),
        channels=CHANNELS,
        outcomes=OUTCOMES,
        channel_label=channel_label,
        saved=saved_filters(db(), staff.id),
        query=filters.query_string(),
    )


@blueprint.route("/bulk", methods=["POST"])
@login_required
def bulk() -> Any:
    staff = signed_in_staff()
    action = request.form.get("action")
    rows = summaries_of(db(), request.form.getlist("ids"))
    back = _list_url(request.form.get("query"))
    if action not in BULK_ACTIONS:
        flash("Choose what to do with the selected conversations.", "error")
        return redirect(back)
    if not rows:
        flash("No conversation was selected.", "error")
        return redirect(back)
    changed = 0
    if action == "review":
        for row in rows:
            if mark_reviewed(row, staff.email):
                changed += 1
                audit.record(
                    db(), staff.email, "conversation.review", "conversation",
                    row.conversation_id, bulk=True,
                )  # fmt: skip
        flash(f"{changed} conversation(s) marked reviewed.", "success")
    else:
        tag = normalise_tag(request.form.get("tag") or "")
        if tag is None:
            flash("A tag is 1 to 32 letters, digits, spaces, dots or dashes.", "error")
            return redirect(back)
        for row in rows:
            if add_tag(row, tag):
                changed += 1
                audit.record(
                    db(), staff.email, "conversation.tag", "conversation",
                    row.conversation_id, tag=tag, bulk=True,
                )  # fmt: skip
        flash(f"Tag “{tag}” added to {changed} conversation(s).", "success")
    return redirect(back)


@blueprint.route("/filters", methods=["POST"])
@login_required
def save_current_filter() -> Any:
    from urllib.parse import parse_qsl

    staff = signed_in_staff()
    query = request.form.get("query") or ""
    filters = Filters.from_args(dict(parse_qsl(query.lstrip("?"))))
    saved = save_filter(db(), staff.id, request.form.get("name") or "", filters)
    if saved is None:
        flash("Give the filter a name, and set at least one filter first.", "error")
    else:
        db().flush()
        audit.record(db(), staff.email, "saved_filter.save", "saved_filter", str(saved.id))
        flash(f"Filter “{saved.name}” saved.", "success")
    return redirect(_list_url(query))


@blueprint.route("/filters/<int:filter_id>/delete", methods=["POST"])
@login_required
def delete_saved_filter(filter_id: int) -> Any:
    staff = signed_in_staff()
    if not delete_filter(db(), staff.id, filter_id):
        abort(404)
    audit.record(db(), staff.email, "saved_filter.delete", "saved_filter", str(filter_id))
    flash("Saved filter deleted.", "success")
    return redirect(url_for("conversations.index"))


# --- one conversation ----------------------------------------------------------------


def _summary_or_404(conversation_id: str) -> ConversationSummary:
    """The summary (computed now from the events if the conversation has none yet)."""
    row = db().get(ConversationSummary, conversation_id) or update_summary(db(), conversation_id)
    if row is None:
        abort(404)
    return row


@blueprint.route("/<path:conversation_id>")
@login_required
def show(conversation_id: str) -> Any:
    staff = signed_in_staff()
    events = load_all(db(), conversation_id)
    summary = db().get(ConversationSummary, conversation_id)
    if not events and summary is None:
        abort(404)
    flags = list(
        db()
        .execute(
            select(SafetyFlag)
            .where(SafetyFlag.conversation_id == conversation_id)
            .order_by(SafetyFlag.id)
        )
        .scalars()
    )
    audit.record(db(), staff.email, "conversation.view", "conversation", conversation_id)
    return render_template(
        "conversations/show.html",
        conversation_id=conversation_id,
        summary=summary,
        rows=transcript(events),
        flags=flags,
        channel_label=channel_label,
        can_export=staff.role == ADMIN,
        back=_list_url(request.args.get("from_query")),
    )


def _back_to(conversation_id: str) -> Any:
    return redirect(url_for("conversations.show", conversation_id=conversation_id))


@blueprint.route("/<path:conversation_id>/review", methods=["POST"])
@login_required
def review(conversation_id: str) -> Any:
    staff = signed_in_staff()
    row = _summary_or_404(conversation_id)
    reviewed = request.form.get("reviewed", "yes") != "no"
    if mark_reviewed(row, staff.email, reviewed):
        action = "conversation.review" if reviewed else "conversation.unreview"
        audit.record(db(), staff.email, action, "conversation", conversation_id)
        flash("Marked reviewed." if reviewed else "Review mark removed.", "success")
    return _back_to(conversation_id)


@blueprint.route("/<path:conversation_id>/tags", methods=["POST"])
@login_required
def tags(conversation_id: str) -> Any:
    staff = signed_in_staff()
    row = _summary_or_404(conversation_id)
    tag = normalise_tag(request.form.get("tag") or "")
    if tag is None:
        flash("A tag is 1 to 32 letters, digits, spaces, dots or dashes.", "error")
        return _back_to(conversation_id)
    if request.form.get("remove"):
        if remove_tag(row, tag):
            audit.record(
                db(), staff.email, "conversation.untag", "conversation", conversation_id, tag=tag
            )
    elif add_tag(row, tag):
        audit.record(
            db(), staff.email, "conversation.tag", "conversation", conversation_id, tag=tag
        )
    return _back_to(conversation_id)


@blueprint.route("/<path:conversation_id>/note", methods=["POST"])
@login_required
def note(conversation_id: str) -> Any:
    staff = signed_in_staff()
    row = _summary_or_404(conversation_id)
    if set_note(row, request.form.get("note") or ""):
        # The note's length only: it may quote the patient.
        audit.record(
            db(), staff.email, "conversation.note", "conversation", conversation_id,
            length=len(row.note or ""),
        )  # fmt: skip
        flash("Note saved.", "success")
    return _back_to(conversation_id)


@blueprint.route("/<path:conversation_id>/story", methods=["POST"])
@admin_required
def story(conversation_id: str) -> Any:
    staff = signed_in_staff()
    events = [event for _id, event in load_all(db(), conversation_id)]
    if not events:
        abort(404)
    names = db().execute(select(Lead.name).where(Lead.conversation_id == conversation_id))
    text = as_test_story(conversation_id, events, list(names.scalars()))
    audit.record(db(), staff.email, "conversation.story_export", "conversation", conversation_id)
    return Response(
        text,
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f'attachment; filename="{file_name(conversation_id)}"'},
    )
