"""Custom Rasa connectors, where Rasa's own fall short."""
