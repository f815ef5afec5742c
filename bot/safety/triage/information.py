"""Questions that ask for information about an alarming word, not for help now.

"What is the maximum dose of ibuprofen before it counts as an overdose?", "what heart
rate is normal?" or "my ECG showed a heart rate of 52 at rest, is that bad?" name an
overdose or a heart rate, and the NLU model hears an emergency in them (issue 14). The
rules find no red flag in them; this says that they ask for a limit, a normal value, a
definition, a risk or a sign in general, so that the model's guess alone does not send
emergency guidance. Anything that sounds acute (a symptom now, "faint", "can't
breathe", a pulse far outside the normal) keeps the model's reading.

English only: the model's training examples of emergencies are English; the rules of
every language still decide first.
"""

from __future__ import annotations

import re

# A question about a limit, a normal value, a definition, a risk, a rate or a sign.
_INFORMATION = re.compile(
    r"|".join(
        (
            # "what is the maximum dose", "how much ... counts as an overdose"
            r"\b(what|which|how much|how many|how high|how low|how fast|how slow|at what)\b"
            r"[^.!?]{0,60}\b(normal|maximum|max|upper limit|lower limit|limit|safe|"
            r"counts? as|considered|classed as|defined as|definition|range|threshold|"
            r"too (much|many|high|low|fast|slow))\b",
            r"\b(maximum|max|highest|safe|daily|recommended|normal|usual|toxic|lethal) "
            r"(dose|dosage|amount|limit|level|value|range|rate)\b[^.!]*\?",
            r"\bbefore (it|that|this) (counts|is counted|becomes|turns into|is) (as )?an? overdose\b",
            r"\b(what|when) (counts|is counted|is considered) as an? overdose\b",
            r"\bwhat (is|are|does) (an? )?(overdose|stroke|heart attack|seizure|sepsis|anaphylaxis)"
            r"( (mean|look like|feel like))?\b",
            # "what are the signs of a stroke", "how do you recognise an overdose"
            r"\b(signs?|symptoms?|warning signs?) of (an? )?(stroke|heart attack|overdose|"
            r"sepsis|anaphylaxis|bleeding|internal bleeding|a clot|blood clots?)\b",
            r"\bhow (do|would|can) (you|i|one|people) (recogni[sz]e|tell|spot|know)\b",
            # "the risk of stroke with RA", "suicide rates", "how common is bleeding"
            r"\b(risk|risks|rate|rates|chance|chances|likelihood|statistics|incidence) of "
            r"(an? )?(stroke|heart attack|heart disease|bleeding|overdose|suicide|clots?|"
            r"cardiovascular|infection|sepsis|seizures?)\b",
            r"\b(stroke|heart attack|cardiovascular|bleeding|overdose|suicide) "
            r"(risk|risks|rates?|statistics)\b",
            r"\b(does|do|can|could|will|would|is|are)\b[^.!?]{0,40}\b(raise|increase|"
            r"lower|reduce|affect|cause|lead to)\b[^.!?]{0,20}\b(the )?(risk|rate|chance)\b",
            # A measured value asked about in general: "is a heart rate of 52 normal?"
            r"\b(heart ?rate|pulse|resting heart rate|bpm|blood pressure|ecg|ekg)\b[^.!]{0,60}"
            r"\b(is (that|this|it) (bad|normal|ok|okay|fine|too (high|low)|dangerous|worrying)|"
            r"normal|at rest|resting)\b",
        )
    )
)
# Words that make it sound like something happening now: the model's reading stands.
_ACUTE = re.compile(
    r"\b(right now|just now|suddenly|sudden|currently|at the moment|since (this|last|an|the)|"
    r"faint\w*|dizzy|passed out|pass out|collaps\w*|can'?t breathe|cannot breathe|"
    r"short of breath|out of breath|chest (pain|pressure|tight\w*|hurts?)|pounding|racing|"
    r"fluttering|palpitations?|confus\w*|slurr\w*|numb|weak|vomit\w*|"
    r"unconscious|unresponsive|help me|emergency|ambulance|911|112|144|i took|i'?ve taken|"
    r"i have taken|he took|she took|swallowed|took too many|took the whole)\b"
)
# A pulse this far from the usual 50-100 at rest is asked about with a doctor, now.
_PULSE = re.compile(r"\b(heart ?rate|pulse|bpm)\b[^.!?\d]{0,30}(\d{2,3})|(\d{2,3}) ?bpm\b")
PULSE_NORMAL_LOW = 40
PULSE_NORMAL_HIGH = 120


def pulse_out_of_range(folded: str) -> bool:
    """True when ``folded`` gives a pulse below 40 or above 120."""
    for match in _PULSE.finditer(folded):
        value = int(match.group(2) or match.group(3))
        if value < PULSE_NORMAL_LOW or value > PULSE_NORMAL_HIGH:
            return True
    return False


# Words that put a message in the present, whatever it names.
_NOW = re.compile(
    r"\b(right now|just now|at the moment|currently|help me|emergency|ambulance)\b"
)


def urgent_now(folded: str) -> bool:
    """True when ``folded`` says it is happening now or asks for help, or gives a pulse
    far out of range."""
    return bool(_NOW.search(folded)) or pulse_out_of_range(folded)


def sounds_acute(folded: str) -> bool:
    """True when ``folded`` names an acute sign, says it is now, or gives a pulse far out."""
    return bool(_ACUTE.search(folded)) or pulse_out_of_range(folded)


def asks_for_information(folded: str) -> bool:
    """True when ``folded`` (see ``normalise.fold``) asks in general about a limit, a
    normal value, a definition, a risk or a sign, and nothing in it sounds acute."""
    if not _INFORMATION.search(folded):
        return False
    return not sounds_acute(folded)
