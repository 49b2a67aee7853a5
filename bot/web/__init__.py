"""The bot's own HTTP listener and what it serves (the health check so far)."""
