"""Staff passwords: argon2id hashes (OWASP's first choice), never stored in clear."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults follow RFC 9106's second recommended option (64 MiB, t=3).
_HASHER = PasswordHasher()
MIN_PASSWORD_CHARS = 12
# Long passphrases are welcome (ASVS 2.1.2: at least 64); beyond this, argon2's input is
# only a way to make the server work.
MAX_PASSWORD_CHARS = 128
# A hash compared when no account matches: the answer takes as long either way.
_DUMMY_HASH = _HASHER.hash("no account has this password")


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why ``password`` may not be chosen, or None when it may (one sentence for people).

    Length is what counts (NIST SP 800-63B): no rules about character classes, but
    nothing trivially guessed from the account itself.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        return f"A password needs at least {MIN_PASSWORD_CHARS} characters."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"A password may have at most {MAX_PASSWORD_CHARS} characters."
    if len(set(password)) < 5:
        return "That password repeats too few characters: choose a few words instead."
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        return "A password must not contain your email address."
    return None


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for a missing or broken hash."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored_hash)
