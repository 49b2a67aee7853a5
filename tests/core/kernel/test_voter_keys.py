"""The memoised HMAC-SHA256 gives exactly what the standard library's HMAC gives."""

import hmac

from hypothesis import given
from hypothesis import strategies as st

from bot.core.kernel import voter_keys as keyed_hash
from bot.core.kernel.voter_keys import hmac_sha256


@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_same_bytes_as_the_standard_hmac(key: bytes, message: bytes) -> None:
    assert hmac_sha256(key, message) == hmac.digest(key, message, "sha256")


def test_keys_at_and_past_the_block_size() -> None:
    for size in (0, 1, 63, 64, 65, 128):
        key = bytes(range(size % 256)) * (size // 256 + 1)
        key = key[:size]
        assert hmac_sha256(key, b"debate:1:discord:g:u") == hmac.digest(key, b"debate:1:discord:g:u", "sha256")


def test_the_memo_of_keys_stays_bounded() -> None:
    for i in range(keyed_hash.MAX_KEYS + 10):
        hmac_sha256(f"key{i}".encode(), b"m")
    assert len(keyed_hash._pads) <= keyed_hash.MAX_KEYS
    assert hmac_sha256(b"key3", b"m") == hmac.digest(b"key3", b"m", "sha256")
