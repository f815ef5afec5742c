"""``clinic.yml``: the clinic's practical facts, typed, each one optional.

A clinic writes only what it wants the assistant to say; an unset fact is answered with
"I don't have that here; the clinic's advisor can tell you". A malformed file is an
error that names the file and the field (``make run`` stops with it), so a typo never
turns into a wrong address or phone number in front of a patient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT, Settings

# Pragmatic checks, enough to catch a value in the wrong field or a typo.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
MIN_PHONE_DIGITS = 6
MAX_TEXT_CHARS = 300


class ClinicFileError(ValueError):
    """``clinic.yml`` cannot be used as it is; the message names the field."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


@dataclass(frozen=True)
class ClinicFacts:
    """What the clinic has configured; ``None`` (or empty) means not configured."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    opening_hours: str | None = None
    # The languages the clinic's advisors speak (the assistant itself answers in English).
    languages: tuple[str, ...] = ()
    payment_options: tuple[str, ...] = ()
    # Whether the clinic helps with travel and accommodation: True, False, or not said.
    travel_help: bool | None = None
    travel_help_details: str | None = None


FIELDS = tuple(f.name for f in fields(ClinicFacts))
_LISTS = {"languages", "payment_options"}


DEFAULT_FILE = PROJECT_ROOT / "clinic.yml"


def configured_clinic(settings: Settings) -> ClinicFacts:
    """The facts of the file the settings name (``CLINIC_FILE``, default ``clinic.yml``).

    The project's own ``clinic.yml`` may be missing (nothing configured); a file named
    in ``CLINIC_FILE`` must exist, or the clinic would silently lose its facts.
    """
    return load_clinic(settings.clinic_file, required=settings.clinic_file != DEFAULT_FILE)


def load_clinic(path: Path, *, required: bool = False) -> ClinicFacts:
    """The facts in ``path``. A missing file means nothing is configured, unless
    ``required`` (a file named explicitly, e.g. by ``CLINIC_FILE``) makes it an error."""
    if not path.exists():
        if required:
            raise ClinicFileError(path, "the file does not exist")
        return ClinicFacts()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ClinicFileError(path, f"is not valid YAML{where}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ClinicFileError(path, f"cannot be read ({type(exc).__name__})") from exc
    return parse_clinic(data, path)


def parse_clinic(data: Any, path: Path) -> ClinicFacts:
    """Check the loaded YAML (``None`` for an empty file) and build the facts."""
    if data is None:
        return ClinicFacts()
    if not isinstance(data, dict):
        raise ClinicFileError(path, "must be a mapping of fields (name: ..., phone: ...)")
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise ClinicFileError(
            path, f"unknown field {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if raw is None or raw == "" or raw == []:
            continue  # written down but left empty: not configured
        if key in _LISTS:
            values[key] = _text_list(raw, key, path)
        elif key == "travel_help":
            if not isinstance(raw, bool):
                raise ClinicFileError(path, f"travel_help must be true or false, got {raw!r}")
            values[key] = raw
        else:
            values[key] = _text(raw, key, path)
    _check_formats(values, path)
    return ClinicFacts(**values)


def _text(raw: Any, key: str, path: Path) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ClinicFileError(path, f"{key} must be a text, got {raw!r}")
    # A multi-line address reads as one line in a chat bubble.
    value = ", ".join(line.strip() for line in str(raw).splitlines() if line.strip())
    if len(value) > MAX_TEXT_CHARS:
        raise ClinicFileError(path, f"{key} is longer than {MAX_TEXT_CHARS} characters")
    return value


def _text_list(raw: Any, key: str, path: Path) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise ClinicFileError(path, f"{key} must be a list of texts, got {raw!r}")
    return tuple(_text(item, key, path) for item in items if str(item).strip())


def _check_formats(values: dict[str, Any], path: Path) -> None:
    email = values.get("email")
    if email is not None and not _EMAIL.match(email):
        raise ClinicFileError(path, f"email must be an email address, got {email!r}")
    website = values.get("website")
    if website is not None and not _WEBSITE.match(website):
        raise ClinicFileError(
            path, f"website must be a web address starting with https://, got {website!r}"
        )
    phone = values.get("phone")
    if phone is not None and (
        not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < MIN_PHONE_DIGITS
    ):
        raise ClinicFileError(
            path, f"phone must be a phone number such as +41 44 123 45 67, got {phone!r}"
        )
    if values.get("travel_help_details") and values.get("travel_help") is not True:
        raise ClinicFileError(path, "travel_help_details needs travel_help: true")
