"""Helpers for the test suites: local service launchers and queue credentials."""
