"""Detects requests for personal medical advice, whatever the NLU model guesses.

The assistant must never dose, stop or start a medicine, read test results, diagnose,
or say whether the therapy is right for someone (DESIGN.md, content rules). The model
learns these requests (intent ``medical_advice``); these rules make sure a phrasing
it never saw still gets the refusal. Like ``red_flags``, pure and dependency-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DRUG = (
    r"(?:methotrexate?|mtx|prednison[e]?|prednisolone|cortisone|steroids?|biologics?|"
    r"humira|adalimumab|enbrel|etanercept|tocilizumab|actemra|rituximab|infliximab|"
    r"leflunomide|arava|sulfasalazine|hydroxychloroquine|plaquenil|folic acid|"
    r"ibuprofen|naproxen|nsaids?|paracetamol|acetaminophen|tylenol|advil|aspirin|"
    r"tramadol|opioids?|codeine|jak inhibitors?|tofacitinib|xeljanz|baricitinib|"
    r"olumiant|upadacitinib|rinvoq|dmards?|medications?|medicines?|meds|drugs?|"
    r"tablets?|pills?|painkillers?|pain killers?|antibiotics?|supplements?|turmeric|"
    r"vitamin [a-z0-9]+|fish oil|cbd|insulin|blood thinners?|warfarin)"
)
_ME = r"\b(?:i|i'm|im|i've|my|me|mine)\b"

_PATTERNS: dict[str, list[str]] = {
    "dosing": [
        rf"\b(?:how (?:much|many|often)|what dose|which dose|dosage|dosing)\b[^.?!]{{0,40}}{_DRUG}",
        rf"{_DRUG}[^.?!]{{0,40}}\b(?:how (?:much|many|often)|what dose|dosage)\b",
        rf"\b(?:what|which) {_DRUG} (?:dose|dosage)\b|\bdose (?:would|should|do) you\b",
        rf"\b(?:double|halve|split|increase|decrease|raise|lower|extra|skip|missed|forgot|taper|"
        rf"go down|go up|cut)\b[^.?!]{{0,25}}\b(?:dose|doses|dosage|{_DRUG[3:-1]})",
        rf"{_DRUG}[^.?!]{{0,40}}\b(?:go down|go up|taper|cut down|reduce|increase) to\b",
        r"\b\d+(?:[.,]\d+)? ?(?:mg|milligrams?|mcg|ml|units?)\b[^.?!]{0,40}\b(?:too (?:much|high|"
        r"low|little)|enough|safe|ok|okay|right|correct|normal|should)\b",
        rf"\b(?:take|taking|have) (?:two|three|four|2|3|4|more|less|another|an extra)\b[^.?!]{{0,20}}{_DRUG}",
        # "the usual prednisone dose", "a normal dose of methotrexate": general, but a dose
        # all the same, and one a reader may take as theirs. (A maximum dose asked about is
        # an information question for one's own doctor or pharmacist: medical_other.)
        rf"{_DRUG} (?:dose|doses|dosage|dosing)\b",
        rf"\b(?:usual|normal|typical|standard|starting|recommended|weekly|daily|"
        rf"safe) (?:dose|doses|dosage)\b[^.?!]{{0,30}}{_DRUG}",
        # "Methotrexate ... How is it dosed?": the medicine may be named a sentence earlier.
        rf"{_DRUG}.{{0,120}}\b(?:dosed|dose per|doses per|dose a (?:week|day))\b",
        rf"\bhow (?:is|are|should)\b[^.?!]{{0,25}}\bdosed\b[^?!]{{0,60}}{_DRUG}",
    ],
    "test_results": [
        r"\b(?:my|mine|i got|came back|results?|levels?|values?|test showed|showed)\b[^.?!]{0,40}"
        r"\b(?:crp|esr|sed rate|sedimentation|rheumatoid factor|rf|anti-?ccp|ccp|ana|"
        r"blood (?:test|work|count|results?)|bloods|lab (?:results?|values?|tests?)|labs|"
        r"liver (?:values?|enzymes?|tests?)|kidney (?:values?|function)|x-?rays?|mri|"
        r"ultrasound|scan|haemoglobin|hemoglobin|white (?:blood )?cells?|platelets|das ?28|alt|ast)\b"
        r"[^?!]{0,60}\b(?:mean|means|normal|bad|good|high|low|worr(?:y|ied|ying)|concern(?:ed|ing)?|"
        r"serious|dangerous|ok|okay|fine|interpret|explain|read|what now|what next|went up|gone up|"
        r"raised|elevated|positive|negative|from the|because of|caused by)\b",
        r"\b(?:crp|esr|sed rate|rheumatoid factor|anti-?ccp|ana|x-?ray|mri|ultrasound|scan|das ?28)\b"
        r"[^?!]{0,40}\b(?:mean for me|mean in my case|make me (?:a )?(?:candidate|eligible|suitable))\b",
        # Quoting one's own report ("my MRI report says ...") and asking what it means: the
        # findings can run long before the question, beyond the windows above.
        r"\bmy\b[^.?!]{0,20}\b(?:x-?rays?|mri|ultrasound|scan|ecg|ekg|blood (?:test|work)|"
        r"lab|biopsy)\b[^.?!]{0,15}\b(?:report|results?|findings?|letter)\b[^.?!]{0,10}"
        r"\b(?:says?|said|shows?|showed|mentions?|mentioned|found|reads?|notes?|noted)\b"
        r"[^?!]{0,200}\b(?:serious|bad|mean|means|worr(?:y|ied|ying)|concern(?:ed|ing)?|make of|"
        r"normal|dangerous|in my case|problem|change anything|affect|explain|interpret|should i)\b"
        r"[^?!]{0,60}\?",
    ],
    "medication_change": [
        rf"\b(?:should|can|could|may|must|do|shall) i\b[^.?!]{{0,20}}\b(?:stop|quit|skip|pause|"
        rf"come off|get off|drop|ditch|reduce|cut down|cut back|switch|change|start|begin|"
        rf"replace|take|try)\b[^.?!]{{0,30}}{_DRUG}",
        rf"\b(?:is it (?:ok|okay|safe|fine|alright)|would it be (?:ok|okay|safe)) (?:for me )?to\b"
        rf"[^.?!]{{0,20}}\b(?:stop|quit|skip|take|combine|mix|start|do|have|keep|continue|use)\b"
        rf"[^.?!]{{0,30}}{_DRUG}",
        rf"\b(?:stopping|quitting|coming off|skipping|reducing|switching|dropping|pausing)\b"
        rf"[^.?!]{{0,20}}{_DRUG}",
        rf"{_DRUG}[^?!]{{0,60}}\bshould i (?:take|start|try|use|stop) (?:it|them)\b",
        rf"\b(?:instead of|rather than)\b[^.?!]{{0,20}}{_DRUG}",
        rf"{_DRUG}[^?!]{{0,80}}\b(?:i'?d rather|instead of (?:it|them)|(?:skipping|stopping|"
        rf"quitting|pausing|dropping|ditching) (?:it|them))\b",
    ],
    "diagnosis": [
        r"\bdo i (?:have|got)\b[^.?!]{0,20}\b(?:ra|rheumatoid|arthritis|lupus|gout|"
        r"fibromyalgia|psoriatic|osteoarthritis|an infection|cancer)\b",
        r"(?<!what )\b(?:is|could|might|can) (?:it|this|that|these|my (?:[a-z]+ )?(?:pain|aches?|"
        r"knees?|hands?|fingers?|joints?|wrists?|symptoms?|swelling|stiffness|back|toes?|feet|foot|"
        r"ankles?|shoulders?|hips?|knuckles?|problem)) "
        r"(?:be )?(?:ra|rheumatoid(?: arthritis)?|arthritis|lupus|gout|fibromyalgia|"
        r"osteoarthritis|psoriatic arthritis|an? [a-z]+ flare|a flare)\b",
        r"\b(?:diagnose me|diagnose my|what(?:'s| is) wrong with (?:me|my)|what do i have|"
        r"what (?:illness|disease|condition) do i have|am i sick)\b",
    ],
    "suitability": [
        r"\b(?:is|would|will) (?:(?:it|this|that|the)(?: (?:therapy|treatment|procedure|injections?))?|"
        r"stem cells?(?: therapy| treatment)?|msc(?: therapy)?) (?:be )?(?:right|good|suitable|"
        r"ok|okay|safe|a good (?:idea|option|choice|fit)|the right (?:choice|option)|worth it)"
        r" for (?:me|my (?:mum|mom|mother|dad|father|wife|husband|son|daughter|case))\b",
        r"(?<!why )(?<!what )(?<!when )(?<!how )\bshould (?:i|my (?:mum|mom|mother|dad|father|wife|husband))\b[^.?!]{0,15}\b"
        r"(?:get|have|do|try|go for|book|choose|undergo)\b[^.?!]{0,15}\b(?:it|this|the "
        r"(?:therapy|treatment|procedure|injections?)|stem cells?|msc)\b",
        r"\b(?:do|would|can) you recommend\b[^.?!]{0,40}\b(?:for me|in my case|to me|"
        r"for my)\b",
        r"\b(?:which|what) (?:is|would be|one is)? ?(?:better|best) for me\b",
        r"\bwhat would you do in my (?:place|shoes|situation|case)\b",
        r"\bwould you (?:try|do|get|have|take|choose)\b[^.?!]{0,40}\b(?:if you (?:had|were)|in my "
        r"(?:place|shoes|situation))\b",
        r"\b(?:would|will|could|can) (?:it|this|the (?:therapy|treatment)|stem cells?|msc)"
        r"(?: therapy| treatment)? (?:help|work for|be effective for) (?:me|my)\b",
        r"\b(?:pretend|act|imagine) (?:you'?re|you are|to be|as) (?:my|a) (?:doctor|rheumatologist|physician)\b",
    ],
}

_COMPILED = {kind: [re.compile(p) for p in pats] for kind, pats in _PATTERNS.items()}
_PERSONAL = re.compile(_ME)


@dataclass(frozen=True)
class AdviceRequest:
    """What kind of personal advice was asked for, and the words that showed it."""

    kind: str
    matched: str


def detect_advice_request(text: str) -> AdviceRequest | None:
    """The first kind of personal medical advice ``text`` asks for, or ``None``.

    Apart from doses, only personal requests count ("I", "my", "me"): "how is RA
    diagnosed?" is a general question for the FAQ.
    """
    lowered = " ".join(text.lower().replace("’", "'").split())
    if not lowered:
        return None
    personal = bool(_PERSONAL.search(lowered))
    for kind, patterns in _COMPILED.items():
        # A dose is never ours to give, asked for oneself or "for a 60 kg woman".
        if not personal and kind != "dosing":
            continue
        for pattern in patterns:
            match = pattern.search(lowered)
            if match:
                return AdviceRequest(kind=kind, matched=match.group(0))
    return None
