"""Leads: the list with filters, a lead's record, its status workflow, the CSV export.

Viewing a lead, changing its status and exporting are audited; the export is for
admins only. The logic is in ``bot.console.leads`` and ``bot.console.csv_export``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.routing import BuildError

from bot.console import audit, leads
from bot.console.csv_export import leads_csv
from bot.console.inbox import channel_label, clinic_time
from bot.console.security import admin_required, current_staff, db, login_required

blueprint = Blueprint("leads", __name__, url_prefix="/leads")


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    zone = current_app.config["SETTINGS"].handoff.timezone
    return {
        "channel_label": channel_label,
        "when": lambda moment: clinic_time(moment, zone),
        "status_labels": leads.STATUS_LABELS,
        "statuses": leads.STATUSES,
        "warmths": leads.WARMTHS,
    }


def _conversation_url(conversation_id: str) -> str | None:
    """The conversation's page, when the conversations view exists."""
    try:
        return url_for("conversations.show", conversation_id=conversation_id)
    except BuildError:
        return None


@blueprint.route("/")
@login_required
def index() -> Any:
    filters = leads.LeadFilters.parse(request.args)
    page = leads.list_leads(db(), filters, request.args.get("page", 1, type=int))
    return render_template("leads/index.html", filters=filters, result=page)


@blueprint.route("/<int:lead_id>")
@login_required
def show(lead_id: int) -> Any:
    detail = leads.lead_detail(db(), lead_id)
    if detail is None:
        abort(404)
    # The lead id, not the conversation id: a WhatsApp conversation id is a phone number.
    audit.record(db(), current_staff().email, "lead.view", "lead", str(lead_id))
    return render_template(
        "leads/show.html",
        detail=detail,
        lead=detail.lead,
        conversation_url=_conversation_url(detail.lead.conversation_id),
    )


@blueprint.route("/<int:lead_id>/status", methods=["POST"])
@login_required
def change_status(lead_id: int) -> Any:
    staff = current_staff()
    expected = request.form.get("expected", "")
    new_status = request.form.get("status", "")
    try:
        leads.change_status(
            db(), lead_id, expected, new_status, request.form.get("note", ""), staff.email
        )
    except LookupError:
        abort(404)
    except leads.WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(url_for("leads.show", lead_id=lead_id))
    audit.record(
        db(), staff.email, "lead.status", "lead", str(lead_id), previous=expected, status=new_status
    )
    flash(f"Status changed to {leads.STATUS_LABELS[new_status]}.", "success")
    return redirect(url_for("leads.show", lead_id=lead_id))


@blueprint.route("/export.csv")
@admin_required
def export() -> Any:
    filters = leads.LeadFilters.parse(request.args)
    items = leads.exportable_leads(db(), filters)
    audit.record(
        db(),
        current_staff().email,
        "lead.export",
        "lead",
        None,
        rows=len(items),
        **filters.as_dict(),
    )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    return Response(
        leads_csv(items),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="leads-{stamp}.csv"'},
    )
