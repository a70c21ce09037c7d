"""Helpers shared by tests in several packages: nothing here is collected as a test."""
