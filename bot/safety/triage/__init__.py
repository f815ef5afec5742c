"""The safety net: triage of every message into emergency, poison, crisis, urgent or routine.

Rules are data (``categories.yml`` and one file of patterns per language in ``rules/``),
so a clinician can review them; ``engine.triage`` applies them.
"""
