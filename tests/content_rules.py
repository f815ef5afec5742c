"""Claims the assistant must never make (DESIGN.md, content rules), for every test that
reads what the assistant says."""

from __future__ import annotations

import re

FORBIDDEN_CLAIMS = [
    r"\bwill cure\b",
    r"\bcures (ra|rheumatoid)",
    r"\bis a cure\b",
    r"\bguarantee[sd]? (results|improvement|success)",
    r"\bis approved\b",
    r"\bproven to\b",
    r"\byou are eligible\b",
    r"\byou are contraindicated\b",
    r"\bstop (taking )?your medication\b(?! on your own)",
]


def forbidden_claims_in(text: str) -> list[str]:
    """The forbidden claims ``text`` makes (empty when it makes none)."""
    lowered = text.lower()
    return [claim for claim in FORBIDDEN_CLAIMS if re.search(claim, lowered)]
