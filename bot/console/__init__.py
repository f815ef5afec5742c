"""The staff console: a server-rendered web app (Flask, Jinja2 with autoescaping)."""
