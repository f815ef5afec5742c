"""Text as the rules see it: lower case, no accents, straight apostrophes, typos mended.

Patients in distress type fast: "ich krieg keine luft", "j'ai mal a la poitrine",
"cant breth". Rules are written without accents, so folding them makes "poitrine" and
"poítrine", "Atemnot" and "atemnot" the same; a small correction maps words one
letter away from a rule's key words back to them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_WORD = re.compile(r"[a-z]+")
# Shorter words are too often other real words ("fewer" is not "fever").
MIN_CORRECTED_LENGTH = 5


def strip_accents(text: str) -> str:
    """``text`` without accents (é -> e, ü -> u, ß -> ss), case kept."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes straight, spaces single."""
    return " ".join(strip_accents(text.lower().translate(_APOSTROPHES)).split())


def _one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


class TypoMender:
    """Maps misspellings one edit away from ``words`` back to them."""

    def __init__(self, words: Iterable[str], keep: Iterable[str] = ()) -> None:
        self._words = frozenset(fold(w) for w in words)
        self._keep = frozenset(fold(w) for w in keep) | self._words
        self._by_initial: dict[str, list[str]] = {}
        for word in self._words:
            self._by_initial.setdefault(word[0], []).append(word)
        self.mend_word = lru_cache(maxsize=4096)(self._mend_word)

    def _mend_word(self, word: str) -> str:
        if len(word) < MIN_CORRECTED_LENGTH or word in self._keep:
            return word
        # The first letter is rarely the mistyped one; requiring it avoids most clashes.
        for target in self._by_initial.get(word[0], ()):
            if len(target) >= MIN_CORRECTED_LENGTH and _one_edit_apart(word, target):
                return target
        return word

    def mend(self, folded: str) -> str:
        """``folded`` with each misspelt key word replaced by the word meant."""
        return _WORD.sub(lambda m: self.mend_word(m.group(0)), folded)
