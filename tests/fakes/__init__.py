"""Fakes of outside services (the internet's edge) for the tests."""
