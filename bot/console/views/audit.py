"""The audit log (admins only): who viewed, exported, changed or erased what, and when.

Newest first, filtered by staff email (part of it), action (``login`` matches
``login.failed`` too) and a date range in the clinic's time zone, 50 entries a page.

Reading the log is not itself audited: every page and filter change would add an entry,
so the log would mostly record admins reading it, and an entry about reading entries
says nothing about patients' data. Only admins can read it, and their sign-ins are there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import distinct, func, select
from sqlalchemy.sql import Select

from bot.console import security
from bot.store.models import AuditEntry

blueprint = Blueprint("audit", __name__)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    """The filters in the query string, as typed (for the form and the page links)."""

    email: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""

    def query_args(self) -> dict[str, str]:
        """The non-empty filters, for links to other pages of the same list."""
        return {key: value for key, value in vars(self).items() if value}


def _clinic_zone() -> ZoneInfo | timezone:
    try:
        return ZoneInfo(current_app.config["SETTINGS"].handoff.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _like(text: str) -> str:
    # Typed text is matched literally: % and _ are not wildcards here.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select, filters: Filters, zone: ZoneInfo | timezone) -> tuple[Select, str]:
    """``query`` narrowed by ``filters``; a message when a date could not be read."""
    problem = ""
    if filters.email:
        query = query.where(
            func.lower(AuditEntry.staff_email).like(
                f"%{_like(filters.email.lower())}%", escape="\\"
            )
        )
    if filters.action:
        query = query.where(AuditEntry.action.like(f"{_like(filters.action)}%", escape="\\"))
    start, end = _day(filters.date_from), _day(filters.date_to)
    if (filters.date_from and start is None) or (filters.date_to and end is None):
        problem = "A date could not be read (use the date picker or YYYY-MM-DD); it was ignored."
    if start is not None:
        query = query.where(AuditEntry.at >= _utc(datetime.combine(start, time(), zone)))
    if end is not None:
        # The whole "to" day counts.
        query = query.where(
            AuditEntry.at < _utc(datetime.combine(end + timedelta(days=1), time(), zone))
        )
    return query, problem


def _utc(moment: datetime) -> datetime:
    # Stored in UTC; SQLite compares the text, so the value must be UTC too.
    return moment.astimezone(timezone.utc)


def _local(moment: datetime, zone: ZoneInfo | timezone) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _detail(detail: Any) -> str:
    if not detail:
        return ""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)


@blueprint.route("/audit")
@security.admin_required
def index() -> Any:
    args = request.args
    filters = Filters(
        email=args.get("email", "").strip()[:254],
        action=args.get("action", "").strip()[:64],
        date_from=args.get("from", "").strip()[:10],
        date_to=args.get("to", "").strip()[:10],
    )
    zone = _clinic_zone()
    db = security.db()
    query, problem = _filtered(select(AuditEntry), filters, zone)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    try:
        page = min(max(1, int(args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    entries = (
        db.execute(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    actions = db.execute(select(distinct(AuditEntry.action)).order_by(AuditEntry.action)).scalars()
    # The form's field names are short: from/to read better in a shared link.
    links = {
        k if k not in ("date_from", "date_to") else k[5:]: v
        for k, v in filters.query_args().items()
    }
    return render_template(
        "audit.html",
        rows=[
            {
                "at": _local(entry.at, zone),
                "staff_email": entry.staff_email,
                "action": entry.action,
                "target": " ".join(filter(None, (entry.target_type, entry.target_id))),
                "detail": _detail(entry.detail),
            }
            for entry in entries
        ],
        filters=filters,
        links=links,
        actions=list(actions),
        problem=problem,
        page=page,
        pages=pages,
        total=total,
        zone=str(zone),
    )
