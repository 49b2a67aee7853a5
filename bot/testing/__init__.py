"""Test doubles shared by the tests and the bench; the running bot never imports them (the
scripted `python -m bot.demo` keeps its time on the fake clock)."""
