"""Classifies messages the NLU model cannot sensibly interpret.

An emoji, an empty line, a wall of text or a question in another language would
otherwise get whatever FAQ answer the classifier guesses. We catch them first so the
fallback can say what went wrong and how to continue.
"""

from __future__ import annotations

import enum
import re
import unicodedata

# Above this length a message is rarely one question; we ask for the main one.
MAX_QUESTION_CHARS = 1500


class MessageProblem(str, enum.Enum):
    """Why a message cannot be answered as it is."""

    EMPTY = "empty"
    NO_WORDS = "no_words"
    TOO_LONG = "too_long"
    NOT_ENGLISH = "not_english"
    UNKNOWN_WORDS = "unknown_words"
    CODE = "code"


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Short, frequent function words: enough to tell English from the languages a Swiss
# clinic's visitors most often write in, without a language model.
_ENGLISH = set(
    "the a an and or but is are was were be been am i you he she it we they my your "
    "me do does did can could will would should what how why when where who which "
    "of to in on for with from at by about this that there have has had not no yes "
    "if so any much many more get got please hi hello thanks thank cost stem cells "
    "cell ra arthritis rheumatoid treatment therapy pain joints joint".split()
)
_FOREIGN = set(
    # German
    "der die das und ist nicht ich sie wie was wir mit für kann können bei auch eine "
    "einen ein mein meine haben habe wird sind kostet behandlung stammzellen gelenke "
    # French
    "le la les et est une des pour avec dans je vous nous mon ma mes combien coûte "
    "traitement cellules souches polyarthrite qu que qui quoi est-ce "
    # Italian
    "il lo gli sono della delle quanto costa trattamento cellule staminali artrite "
    "cosa perché posso "
    # Spanish / Portuguese
    "el los las es por con una qué cómo cuánto cuesta tratamiento células madre "
    "artritis reumatoide puedo tengo não uma você quanto custa".split()
)


# Markup, SQL or template syntax is never a patient's question; left to the model it
# gets a random answer ("drop" is a word of the medication examples). Case-sensitive
# for SQL keywords, so "please delete from your records" stays a request.
_CODE = re.compile(
    r"<\s*/?\s*(?i:script|img|iframe|svg|object|embed|style)\b|(?i:onerror|onload)\s*=|(?i:javascript):"
    r"|\b(?:DROP|ALTER|TRUNCATE)\s+TABLE\b|\bSELECT\s+.+\s+FROM\b|\bUNION\s+SELECT\b"
    r"|'\s*;|;\s*--|['\"]\s*(?i:or)\s+['\"]?\d+['\"]?\s*=|\$\{|\{\{|\x1b\["
)


def _script_is_latin(words: list[str]) -> bool:
    letters = [ch for w in words for ch in w]
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin >= 0.6 * len(letters)


# With fewer known words than this, the classifier's confident guess is noise
# (e.g. "xq zvv plorkt" scored 0.9 for `help`). Typos in one or two words still pass.
MIN_KNOWN_WORD_SHARE = 0.34


def words_of(text: str) -> list[str]:
    """The lower-cased words of ``text``, as the vocabulary check sees them."""
    return _WORD.findall(text.lower())


def find_problem(
    text: str | None, vocabulary: frozenset[str] | set[str] | None = None
) -> MessageProblem | None:
    """Return why ``text`` cannot be answered as it is, or ``None`` when it can.

    ``vocabulary`` holds the words of the training examples; without it the
    unknown-words check is skipped.
    """
    stripped = (text or "").strip()
    if not stripped:
        return MessageProblem.EMPTY
    words = words_of(stripped)
    if not words:
        return MessageProblem.NO_WORDS
    if len(stripped) > MAX_QUESTION_CHARS:
        return MessageProblem.TOO_LONG
    if _CODE.search(stripped):
        return MessageProblem.CODE
    if not _script_is_latin(words):
        return MessageProblem.NOT_ENGLISH
    english = sum(1 for w in words if w in _ENGLISH)
    foreign = sum(1 for w in words if w in _FOREIGN)
    if foreign >= 2 and foreign > english:
        return MessageProblem.NOT_ENGLISH
    if vocabulary is not None and len(words) >= 2:
        known = sum(1 for w in words if w in vocabulary)
        if known < MIN_KNOWN_WORD_SHARE * len(words):
            return MessageProblem.UNKNOWN_WORDS
    return None
