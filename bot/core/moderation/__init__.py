"""Moderation: the rules (mutes, strikes, rate limits, discussions), the word filter, the service."""
