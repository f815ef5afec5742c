"""The dashboard (the first page after login) and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template

from bot.console.security import login_required

blueprint = Blueprint("home", __name__)


@blueprint.route("/health")
def health() -> Any:
    return jsonify(status="ok")


@blueprint.route("/")
@login_required
def dashboard() -> Any:
    return render_template("dashboard.html")
