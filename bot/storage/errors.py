"""Why a store could not be opened or used, in one line a person can act on."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be opened (bad address, missing folder, read-only file, server down, a
    schema newer than this version knows, another process on the file). Its message is one line."""
