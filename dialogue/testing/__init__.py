"""Conversation tests (``dialogue test``) and helpers for testing against real services."""
