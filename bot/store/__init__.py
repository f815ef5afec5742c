"""The project's own tables (beside Rasa's `events`), through SQLAlchemy 2.0-style code."""
