"""Handing a conversation to a human advisor: business hours, the handoff queue, the advisor's command line."""
