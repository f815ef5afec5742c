"""Rasa SDK actions: thin adapters from tracker and dispatcher to ``bot``."""
