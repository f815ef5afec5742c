"""Custom Rasa NLU components; thin adapters over the rules in ``bot``."""
