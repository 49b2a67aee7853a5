"""The Discord adapter: DebateBot (discord.py), its ChatPort, rendering and conversion."""
