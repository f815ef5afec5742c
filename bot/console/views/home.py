"""The dashboard (the first page after login) and the health check."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from bot.console.charts import dashboard_charts
from bot.console.dashboard import build_dashboard, parse_period
from bot.console.security import db, login_required

blueprint = Blueprint("home", __name__)

# Quick choices beside the date inputs: (label, days up to today).
PRESETS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last 365 days", 365))
# The pages behind the "needs attention" counts; a count links once its page exists.
ATTENTION_PAGES = {
    "flags": "safety.queue",
    "handoffs": "inbox.index",
    "leads": "leads.index",
}


@blueprint.route("/health")
def health() -> Any:
    return jsonify(status="ok")


@blueprint.route("/")
@login_required
def dashboard() -> Any:
    zone = ZoneInfo(current_app.config["SETTINGS"].handoff.timezone)
    today = datetime.now(zone).date()
    period, errors = parse_period(request.args.get("start"), request.args.get("end"), zone, today)
    data = build_dashboard(db(), period)
    return render_template(
        "dashboard.html",
        data=data,
        charts=dashboard_charts(data),
        errors=errors,
        presets=_presets(today),
        links=_attention_links(),
        zone_name=zone.key,
    )


def _presets(today: date) -> list[tuple[str, str]]:
    return [
        (
            label,
            url_for(
                "home.dashboard",
                start=(today - timedelta(days=days - 1)).isoformat(),
                end=today.isoformat(),
            ),
        )
        for label, days in PRESETS
    ]


def _attention_links() -> dict[str, str | None]:
    # Other capabilities' pages arrive one by one: no link to a page that is not there.
    return {
        key: url_for(endpoint) if endpoint in current_app.view_functions else None
        for key, endpoint in ATTENTION_PAGES.items()
    }
