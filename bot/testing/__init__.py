"""Test doubles shared by the tests and the bench (never imported by the bot itself)."""
