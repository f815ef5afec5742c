"""The console's pages, one blueprint per capability."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint

# The navigation: endpoint, label, admin only. An entry shows once its view exists.
NAV = (
    ("home.dashboard", "Dashboard", False),
    ("conversations.index", "Conversations", False),
    ("safety.queue", "Safety", False),
    ("leads.index", "Leads", False),
    ("inbox.index", "Inbox", False),
    ("improve.index", "Improve", False),
    ("notifications.index", "Notifications", True),
    ("privacy.index", "Privacy", True),
    ("audit.index", "Audit log", True),
)


def registered_blueprints() -> list[Blueprint]:
    """The ``blueprint`` of every module in this package (a new page needs no listing)."""
    return [
        importlib.import_module(f"{__name__}.{module.name}").blueprint
        for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    ]
