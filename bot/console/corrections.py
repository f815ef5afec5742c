"""The improvement loop: messages the assistant was unsure about, staff's corrections,
and the corrections as Rasa NLU training data with personal details masked.

"Unsure" is decided by ``bot.store.summaries`` (a fallback, low confidence, a doubtful
FAQ topic, an FAQ answer followed by a complaint), the same rules that count them in
the summary; the list reads only conversations whose summary counts some.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.privacy.log_redaction import EMAIL, EMAIL_MASK, PHONE, PHONE_MASK
from bot.settings import PROJECT_ROOT
from bot.store.db import storable_text
from bot.store.models import ConversationSummary, Correction, Lead
from bot.store.rasa_events import events as events_table
from bot.store.summaries import UnsureMessage, scan
from bot.store.summaries import load_events as _load_events

PAGE_SIZE = 20
NAME_MASK = "[name]"
# Intents that are no language to learn (set by rules, buttons or the pipeline).
NOT_CORRECTABLE = frozenset({"nlu_fallback", "faq"})

# "my name is Anna Meier", "call me Anna": whatever follows is a name, in any case.
_NAMED = re.compile(
    r"\b(?P<lead>my name is|my name's|name is|call me|i am called|i'm called|this is)"
    r"\s+(?P<name>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2})",
    re.IGNORECASE,
)
# "I'm Anna", "I am Anna Meier": only capitalised words are names ("I'm tired" is not).
_INTRODUCED = re.compile(
    r"\b(?P<lead>[Ii]'?m|[Ii] am|[Ii]’m)\s+(?P<name>[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,2})"
)
# Capitalised words after "I'm" that are not names.
_NOT_NAMES = frozenset(
    "i a an the not so very really just also still from in on at on here sorry fine ok "
    "okay good well sure afraid worried scared interested asking looking trying wondering "
    "ra rheumatoid diabetic pregnant allergic".split()
)
# "this is" introduces names only before a capitalised word.
_WEAK_LEADS = frozenset({"this is", "name is"})


# Lower-case words that end a name after "my name is" / "call me" ("call me Jonas please").
_AFTER_NAMES = frozenset(
    "please and but or so from here there in at on of for with to by i im i'm my me is am are "
    "was were be have has had do did not no yes thanks thank you your the a an this that it "
    "who what when where why how can could would should will".split()
)


def _mask_names(text: str) -> str:
    def named(match: re.Match[str]) -> str:
        lead, words = match.group("lead"), match.group("name").split()
        if lead.lower() in _WEAK_LEADS and not words[0][:1].isupper():
            return match.group(0)
        if words[0].lower() in _NOT_NAMES:
            return match.group(0)
        # The first word is the name; the next ones too unless they read as ordinary words.
        count = 1
        for word in words[1:]:
            if word.lower() in _AFTER_NAMES or (word.lower() in _NOT_NAMES):
                break
            count += 1
        rest = match.group("name").split(None, count)[count:] if count < len(words) else []
        tail = " " + rest[0] if rest else ""
        return f"{lead} {NAME_MASK}{tail}"

    def introduced(match: re.Match[str]) -> str:
        words = match.group("name").split()
        kept: list[str] = []
        for word in words:
            if word.lower() in _NOT_NAMES:
                break
            kept.append(word)
        if not kept:
            return match.group(0)
        rest = match.group("name")[len(" ".join(kept)) :]
        return f"{match.group('lead')} {NAME_MASK}{rest}"

    return _INTRODUCED.sub(introduced, _NAMED.sub(named, text))


def mask_text(text: str, known_names: Iterable[str] = ()) -> str:
    """``text`` with email addresses, phone numbers and names masked.

    ``known_names``: names the conversation is known to contain (the lead's), masked
    wherever they appear, also without an introduction.
    """
    masked = PHONE.sub(PHONE_MASK, EMAIL.sub(EMAIL_MASK, text))
    for name in known_names:
        # The whole name first ("[name]", not "[name] [name]"), then each part alone.
        for part in dict.fromkeys([" ".join(name.split()), *name.split()]):
            if len(part) >= 3:
                masked = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", NAME_MASK, masked, flags=re.I)
    masked = _mask_names(masked)
    # Rasa reads "[text](entity)" as an entity annotation in training data and test
    # stories: a patient's (or a mask's) brackets must stay plain text.
    return re.sub(r"\](?=[(\[{])", "] ", masked)


# --- the choices -------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What a message can be corrected to: the domain's intents and the FAQ topics."""

    intents: tuple[str, ...]
    faqs: tuple[str, ...]

    def __contains__(self, name: object) -> bool:
        return name in self.intents or name in self.faqs


@lru_cache(maxsize=4)
def load_choices(root: Path = PROJECT_ROOT) -> Choices:
    """The intents of ``domain.yml`` and ``faq/<topic>`` of ``data/responses/faq.yml``."""
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    intents = []
    for intent in domain.get("intents") or []:
        name = next(iter(intent)) if isinstance(intent, dict) else str(intent)
        if name not in NOT_CORRECTABLE:
            intents.append(name)
    responses = yaml.safe_load(
        (root / "data" / "responses" / "faq.yml").read_text(encoding="utf-8")
    )
    faqs = sorted(
        key.removeprefix("utter_")
        for key in (responses or {}).get("responses") or {}
        if key.startswith("utter_faq/")
    )
    return Choices(tuple(sorted(intents)), tuple(faqs))


# --- unsure messages -----------------------------------------------------------------


@dataclass
class UnsureItem:
    """An unsure message in the list, with its correction if staff made one."""

    conversation_id: str
    message: UnsureMessage
    correction: Correction | None

    @property
    def at(self) -> datetime | None:
        return self.message.at


@dataclass(frozen=True)
class UnsurePage:
    items: list[UnsureItem]
    page: int
    has_more: bool


def unsure_page(
    session: Session, page: int = 1, *, pending_only: bool = True, size: int = PAGE_SIZE
) -> UnsurePage:
    """Conversations with unsure messages, newest first, ``size`` per page.

    One query for the page's conversations (the summary's count), one for their
    events, one for their corrections.
    """
    page = max(1, page)
    rows = session.execute(
        select(ConversationSummary.conversation_id)
        .where(ConversationSummary.unsure > 0)
        .order_by(ConversationSummary.last_message_at.desc(), ConversationSummary.conversation_id)
        .offset((page - 1) * size)
        .limit(size + 1)
    ).scalars()
    ids = list(rows)
    has_more = len(ids) > size
    ids = ids[:size]
    corrections = _corrections_of(session, ids)
    items: list[UnsureItem] = []
    for conversation_id in ids:
        found = scan(_load_events(session, conversation_id)).unsure
        for message in reversed(found):
            correction = corrections.get((conversation_id, message.text))
            if pending_only and correction is not None:
                continue
            items.append(UnsureItem(conversation_id, message, correction))
    return UnsurePage(items=items, page=page, has_more=has_more)


def _corrections_of(session: Session, ids: Sequence[str]) -> dict[tuple[str, str], Correction]:
    if not ids:
        return {}
    return {
        (c.conversation_id, c.message): c
        for c in session.execute(
            select(Correction).where(Correction.conversation_id.in_(ids))
        ).scalars()
    }


def unsure_message(session: Session, conversation_id: str, event_id: int) -> UnsureMessage | None:
    """The unsure message ``event_id`` of the conversation, read from the events (never
    from the form: the text stored is the patient's, as saved)."""
    exists = session.execute(
        select(events_table.c.id).where(
            events_table.c.id == event_id,
            events_table.c.sender_id == conversation_id,
            events_table.c.type_name == "user",
        )
    ).scalar()
    if exists is None:
        return None
    for message in scan(_load_events(session, conversation_id)).unsure:
        if message.event_id == event_id:
            return message
    return None


def correct(
    session: Session,
    conversation_id: str,
    message: UnsureMessage,
    corrected: str,
    staff_email: str,
) -> Correction:
    """Record (or change) the intent or FAQ topic the message meant."""
    existing = session.execute(
        select(Correction).where(
            Correction.conversation_id == conversation_id, Correction.message == message.text
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.corrected = corrected
        existing.staff_email = staff_email
        existing.created_at = datetime.now(timezone.utc)
        return existing
    correction = Correction(
        conversation_id=conversation_id,
        message=storable_text(message.text[:2000]),
        predicted=(message.predicted or "")[:128] or None,
        corrected=corrected,
        staff_email=staff_email,
    )
    session.add(correction)
    return correction


def delete_correction(session: Session, correction_id: int) -> Correction | None:
    correction = session.get(Correction, correction_id)
    if correction is not None:
        session.execute(delete(Correction).where(Correction.id == correction_id))
    return correction


def correction_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Correction)).scalar_one()


# --- export --------------------------------------------------------------------------


class _Literal(str):
    """A string written as a YAML literal block (``examples: |``)."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def _example(text: str) -> str:
    # One line per example; Rasa reads "- " items from the block.
    return " ".join(text.split())


def export_nlu(session: Session) -> tuple[str, int]:
    """All corrections as Rasa NLU YAML, masked; and how many examples it holds.

    Grouped by intent (or ``faq/<topic>``), duplicates after masking removed.
    """
    corrections = list(
        session.execute(select(Correction).order_by(Correction.corrected, Correction.id)).scalars()
    )
    ids = {c.conversation_id for c in corrections}
    names: dict[str, list[str]] = defaultdict(list)
    if ids:
        for conversation_id, name in session.execute(
            select(Lead.conversation_id, Lead.name).where(Lead.conversation_id.in_(ids))
        ):
            names[conversation_id].append(name)
    grouped: dict[str, list[str]] = defaultdict(list)
    for correction in corrections:
        example = _example(mask_text(correction.message, names.get(correction.conversation_id, ())))
        if example and example not in grouped[correction.corrected]:
            grouped[correction.corrected].append(example)
    nlu = [
        {
            "intent": intent,
            "examples": _Literal("".join(f"- {example}\n" for example in examples)),
        }
        for intent, examples in sorted(grouped.items())
    ]
    header = (
        "# Corrections from the staff console: messages the assistant was unsure about,\n"
        "# with the intent or FAQ topic staff chose. Emails, phone numbers and names are\n"
        "# masked. Review, then add the examples to the matching file in data/nlu/.\n"
    )
    body = yaml.dump(
        {"version": "3.1", "nlu": nlu},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )
    body = body.replace("version: '3.1'", 'version: "3.1"', 1)
    return header + body, sum(len(v) for v in grouped.values())
