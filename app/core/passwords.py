"""Password hashing (argon2id) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_STRENGTH = 3  # zxcvbn score 0-4; 3 means "safely unguessable" for online attacks

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: verified against when the username is unknown, so that timing does not reveal which
_DUMMY_HASH = _hasher.hash("redthread-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; an unknown user costs the same time as a known one."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def policy_problems(password: str, user_inputs: list[str]) -> list:
    """Why a password is not acceptable (translated), or an empty list."""
    if len(password) < MIN_LENGTH:
        return [_l("Use at least %(n)d characters.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_l("Use at most %(n)d characters.", n=MAX_LENGTH)]
    lowered = password.lower()
    if any(item and len(item) >= 3 and item.lower() in lowered for item in user_inputs):
        return [_l("The password must not contain your user name or name.")]
    # Imported here: its word lists take some 12 MiB that a web worker only needs while
    # someone chooses a password.
    from zxcvbn import zxcvbn

    if zxcvbn(password[:100], user_inputs=[i for i in user_inputs if i])["score"] < MIN_STRENGTH:
        return [
            _l("This password is too easy to guess. Try a few unrelated words or a longer phrase.")
        ]
    return []
