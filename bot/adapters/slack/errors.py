"""The error the Slack runner raises for settings it cannot start with (no Slack import here)."""

from __future__ import annotations


class SlackSettingsError(Exception):
    """The settings do not allow Slack to start; the message is one line for the operator."""
