"""Leads: reading the lead form's answers, contact validation, warmth scoring, storing a consented lead."""
