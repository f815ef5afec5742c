"""Advisor notifications: the outbox API, its transports (webhook, SMTP) and the worker process that delivers them."""
