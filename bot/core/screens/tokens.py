"""Signed links to a classroom screen: what a link may show, until when, and the check of it.

A token reads ``d12.0.1764500000.l.<signature>``: the target (``d`` debate or ``p`` poll, and its
id), the generation of the target's links when it was made (`/debate screen revoke:yes` counts it
up, so every older link stops working), when it expires (Unix seconds), whether it shows the live
tally during a vote (``l``) or the turnout only (``h``), and an HMAC-SHA256 of all that under a key
derived from BOT_SECRET. Nothing in it names a voter. The signature is compared in constant time.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.kernel.voter_keys import hmac_sha256

KINDS = {"d": "debate", "p": "poll"}
LETTERS = {kind: letter for letter, kind in KINDS.items()}
DEFAULT_HOURS = 12
MAX_HOURS = 168  # a week: a link for a series of lessons, not for ever
SIGNATURE_BYTES = 16  # 128 bits: forging one is out of reach, and the link stays short
_TOKEN = re.compile(r"([dp])([1-9][0-9]{0,9})\.([0-9]{1,10})\.([0-9]{1,12})\.([lh])\.([A-Za-z0-9_-]{22})")
_TARGET = re.compile(r"([dp])([1-9][0-9]{0,9})\.")


@dataclass(frozen=True)
class ScreenLink:
    """What a valid token grants: the page of one debate or poll."""

    kind: str  # debate | poll
    target: int
    generation: int
    expires: datetime
    tally_live: bool = False


class BadLink(Exception):
    """A token that grants nothing: `reason` is forged, expired or revoked; `kind` and `target`
    name what it claims to show when that much can be read (for the language of the refusal)."""

    def __init__(self, reason: str, kind: str | None = None, target: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.target = target


def _key(secret: bytes) -> bytes:
    """The links' own key, so that no other use of BOT_SECRET can be made to sign a link."""
    return hmac_sha256(secret, b"debate-bot screen links")


def _payload(link: ScreenLink) -> str:
    expires = int(link.expires.timestamp())
    return f"{LETTERS[link.kind]}{link.target}.{link.generation}.{expires}.{'l' if link.tally_live else 'h'}"


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac_sha256(_key(secret), payload.encode())[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(secret: bytes, link: ScreenLink) -> str:
    payload = _payload(link)
    return f"{payload}.{_sign(secret, payload)}"


def claimed_target(token: str) -> tuple[str, int] | None:
    """What a token says it shows, signed or not: only to pick the language of a refusal."""
    match = _TARGET.match(token)
    return (KINDS[match.group(1)], int(match.group(2))) if match else None


def check_token(secret: bytes, token: str, now: datetime) -> ScreenLink:
    """The link a token grants, or BadLink (forged or expired; revocation is the caller's check,
    against the generation the store holds)."""
    claimed = claimed_target(token)
    kind, target = claimed if claimed else (None, None)
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise BadLink("forged", kind, target)
    payload = token[: token.rindex(".")]
    if not hmac.compare_digest(_sign(secret, payload), match.group(6)):
        raise BadLink("forged", kind, target)
    link = ScreenLink(KINDS[match.group(1)], int(match.group(2)), int(match.group(3)),
                      datetime.fromtimestamp(int(match.group(4)), UTC), match.group(5) == "l")
    if link.expires <= now:
        raise BadLink("expired", link.kind, link.target)
    return link
