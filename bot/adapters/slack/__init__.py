"""The Slack adapter (slack-bolt): `SlackPort`, the listeners of `build_app`, and the runner.

Importing this package imports no Slack library; `bot.adapters.slack.runner` does.
"""
