"""Detects messages that need a careful, non-routine answer (safeguarding concerns).

Some messages are not emergencies (``red_flags`` handles those) and not requests for
personal advice (``advice_requests``), yet a routine FAQ answer would be wrong for
them: a teenager writing, a parent asking about a child's arthritis, someone about to
sell their flat for the treatment, a relative booking for a person who has not agreed,
a "staff member" asking for other people's chats, a claim about the therapy that needs
correcting ("90% go into remission", "it regrows cartilage"), or a group (pregnancy,
breastfeeding, vaccines, alcohol, other medicines) that only their own doctor can
advise. DESIGN.md's content rules ask for honest, hedged answers and no lead or health
data from minors or from people who cannot consent; these rules make sure the
assistant notices, whatever the NLU model guesses.

Like ``red_flags`` and ``advice_requests``: pure patterns on the lower-cased message,
stdlib only, so actions, channels and tests can all use it. The patterns are English,
except that a minor's age ("ich bin 15", "j'ai 16 ans", "ho 15 anni", "tengo 16 años")
and money distress (selling the house, a loan, the rent) are also read in German,
French, Italian and Spanish, the languages the triage rules know. False positives
matter as much as misses: an ordinary FAQ question must come back ``None``, so most
patterns need two signals (a money step *and* the treatment, a third person *and* a
sign-up *and* "doesn't know").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass


class ConcernKind(str, enum.Enum):
    """What kind of careful answer a message needs; the value names its response."""

    MINOR = "minor"
    PAEDIATRIC = "paediatric"
    FINANCIAL_DISTRESS = "financial_distress"
    CONSENT_OF_PERSON = "consent_of_person"
    NO_ACCESS_STAFF_CLAIM = "no_access_staff_claim"
    ERASURE_OWN_ONLY = "erasure_own_only"
    CORRECTION_REVERSAL = "correction_reversal"
    CORRECTION_NUMBERS = "correction_numbers"
    CORRECTION_GUARANTEE = "correction_guarantee"
    CORRECTION_OWN_CELLS = "correction_own_cells"
    CORRECTION_PROMISE = "correction_promise"
    SPECIAL_GROUP_PREGNANCY = "special_group_pregnancy"
    SPECIAL_GROUP_BREASTFEEDING = "special_group_breastfeeding"
    SPECIAL_GROUP_VACCINES = "special_group_vaccines"
    SPECIAL_GROUP_ALCOHOL = "special_group_alcohol"
    SPECIAL_GROUP_MEDICINES = "special_group_medicines"


# Spelled out (not built from the value) so the data validator, which reads the code for
# "utter_..." names, knows that these responses are sent (tools/validate_data.py).
RESPONSES: dict[ConcernKind, str] = {
    ConcernKind.MINOR: "utter_minor",
    ConcernKind.PAEDIATRIC: "utter_paediatric",
    ConcernKind.FINANCIAL_DISTRESS: "utter_financial_distress",
    ConcernKind.CONSENT_OF_PERSON: "utter_consent_of_person",
    ConcernKind.NO_ACCESS_STAFF_CLAIM: "utter_no_access_staff_claim",
    ConcernKind.ERASURE_OWN_ONLY: "utter_erasure_own_only",
    ConcernKind.CORRECTION_REVERSAL: "utter_correction_reversal",
    ConcernKind.CORRECTION_NUMBERS: "utter_correction_numbers",
    ConcernKind.CORRECTION_GUARANTEE: "utter_correction_guarantee",
    ConcernKind.CORRECTION_OWN_CELLS: "utter_correction_own_cells",
    ConcernKind.CORRECTION_PROMISE: "utter_correction_promise",
    ConcernKind.SPECIAL_GROUP_PREGNANCY: "utter_special_group_pregnancy",
    ConcernKind.SPECIAL_GROUP_BREASTFEEDING: "utter_special_group_breastfeeding",
    ConcernKind.SPECIAL_GROUP_VACCINES: "utter_special_group_vaccines",
    ConcernKind.SPECIAL_GROUP_ALCOHOL: "utter_special_group_alcohol",
    ConcernKind.SPECIAL_GROUP_MEDICINES: "utter_special_group_medicines",
}
# Sent instead of a form question when a minor is about to give contact or health data.
MINOR_NO_DATA_RESPONSE = "utter_minor_no_data"


@dataclass(frozen=True)
class Concern:
    """A concern found in a message, and the words that showed it."""

    kind: ConcernKind
    matched: str

    @property
    def response(self) -> str:
        """The domain response that answers this concern."""
        return RESPONSES[self.kind]

    @property
    def minor(self) -> bool:
        """Whether the sender said they are under 18 (that concern wins over all others)."""
        return self.kind is ConcernKind.MINOR


def _normalise(text: str) -> str:
    # Phones type curly or accent apostrophes; patterns are written with a plain one.
    folded = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    folded = folded.replace("`", "'").replace("\u00b4", "'")
    return " ".join(folded.split())


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _found(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0) if match else None


# --- shared vocabulary --------------------------------------------------------------

_I_AM = r"\b(?:i ?'?m|i am|iam)"
_NT = r"(?:n'?t| not)"  # "doesn't", "doesnt", "does not"
_AGE_WORDS = (
    r"five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fourten|fifteen|"
    r"fiveteen|fithteen|sixteen|sixten|seventeen|seventen"
)
# The end of an age: a word boundary, or "yo"/"yrs" glued on ("15yo", "12yrs old").
_AGE_END = r"(?:\b(?![.,:/]\d)|(?=(?:yo|y/o|yrs?|years?)\b))"
# 5 to 17: younger children do not type to a clinic's chat themselves.
_MINOR_AGE = rf"(?:(?<![\d.,])\b(?:[5-9]|1[0-7]){_AGE_END}|\b(?:{_AGE_WORDS})\b)"
_CHILD_AGE = rf"(?:(?<![\d.,])\b(?:[0-9]|1[0-7]){_AGE_END}|\b(?:one|two|three|four|{_AGE_WORDS})\b)"
_YEARS_OLD = r"(?:[- ]?(?:years?|yrs?|yo|y/?o|year[- ]old|years[- ]old)(?:[- ]?old)?)"
# "I'm 16 weeks pregnant", "I'm 15 minutes late", "I'm 12 years into RA": not an age.
_NOT_AN_AGE = (
    r"(?!\s*(?:weeks?|wks?|months?|days?|hours?|hrs?|h\b|minutes?|mins?|seconds?|kg|kilos?|"
    r"lbs?|pounds?|stone|st\b|mg|ml|cm|mm|km|miles?|feet|foot|ft|inch\w*|%|percent|per ?cent|"
    r"times?|x\b|euros?|francs?|chf|dollars?|sessions?|injections?|pills?|tablets?|doses?|"
    r"am\b|pm\b|o'?clock|th\b|nd\b|rd\b|of\b|out of|degrees|'|\"|"
    r"(?:years?|yrs?) (?:in|into|post|since|after|on|of|with|living|dealing|battling|"
    r"suffering|fighting|diagnosed|married|clean|sober)))"
)

_RELATIVE_WORDS = (
    r"best friend|friend|husband|hubby|wife|partner|spouse|boyfriend|girlfriend|fianc[eé]e?|"
    r"mum|mom|mother|mam|mommy|mummy|dad|father|papa|son|daughter|brother|sister|sibling|"
    r"grandma|grandmother|granny|gran|nan|nana|grandad|granddad|grandpa|grandfather|aunt|"
    r"auntie|aunty|uncle|cousin|neighbou?r|colleague|co-?worker|boss|in-?laws?|"
    r"mother[- ]in[- ]law|father[- ]in[- ]law|parents?|relative|flatmate|roommate|"
    r"grandson|granddaughter|niece|nephew|client|patient"
)
_RELATIVE = f"(?:{_RELATIVE_WORDS})"
_SOMEONE_ELSE = rf"(?:(?:my|our) (?:\w+ )?{_RELATIVE}|him|her|them)"

# Words that tie a message to the clinic's treatment (not a car loan, not a pub visit).
_TREATMENT = (
    r"\b(?:treatments?|therap(?:y|ies)|stem ?cells?|stemcells?|injections?|jabs|infusions?|"
    r"mscs?|clinic|procedure|swiss ?medica|switzerland|the cells|the (?:shots|course|"
    r"programme|program|consultation)|advisor|adviser|pre-?check|cure)\b"
)
_TREATMENT_RE = re.compile(_TREATMENT)
_PAY_FOR_IT = re.compile(
    r"\b(?:pay(?:ing)? for|afford|fund|funding|financ\w*|cover|raise money for) "
    r"(?:it|this|that|them)\b"
)


def _about_treatment(text: str) -> bool:
    return bool(_TREATMENT_RE.search(text) or _PAY_FOR_IT.search(text))


# --- minor: the sender says they are under 18 ---------------------------------------

_SELF_AGE = re.compile(
    rf"{_I_AM} (?:only |just |now |currently |still |actually |literally )?"
    rf"(?:(?:a |an )(?={_MINOR_AGE}{_YEARS_OLD}))?(?:aged? )?{_MINOR_AGE}{_NOT_AN_AGE}"
    rf"{_YEARS_OLD}?"
)
_SELF_AGE_OTHER = _any(
    [
        # "as a 17 year old, can I ...": speaking about oneself.
        rf"\bas an? {_MINOR_AGE}{_YEARS_OLD}",
        # "16 year old here", "Hi, 15 here", "15yo girl with JIA": a self-introduction.
        rf"(?:^|[.!?]\s+|\b(?:hi|hello|hey|hiya)\b[,!.]?\s+)(?:a |an )?{_MINOR_AGE}"
        rf"{_YEARS_OLD}?(?: (?:here|girl|boy|guy|student|teen|teenager|with|and i|and have|"
        rf"who has|wanting|asking)\b)",
        rf"\bmy age is {_MINOR_AGE}{_NOT_AN_AGE}",
        rf"\bi (?:just )?turned {_MINOR_AGE}{_NOT_AN_AGE}",
        r"\bi (?:will|'?ll) (?:only )?be (?:18|eighteen) (?:next|in|this|on|at the)\b",
        r"\bi turn (?:18|eighteen) (?:next|in|this|on|at the|soon)\b",
        rf"{_I_AM} (?:still |only )?(?:under|below|not yet|not) (?:the age of )?(?:18|eighteen)\b",
        rf"{_I_AM} (?:still )?not (?:an adult|of age|old enough|a grown[- ]?up)\b",
        rf"{_I_AM} (?:still )?(?:under ?-?age|a minor|minor)\b"
        r"(?!\s+(?:shareholder|issue|problem|thing|point|detail|case|inconvenience|surgery|"
        r"operation|procedure|injury|side effect|role|part))",
        rf"{_I_AM} (?:still )?(?:a )?(?:teen|teenager|schoolgirl|schoolboy|school kid|kid)\b",
        rf"{_I_AM} (?:still )?(?:in|at) (?:high|secondary|middle|junior high|primary) ?school\b",
        rf"{_I_AM} (?:in|at) (?:grade|year) (?:[5-9]|1[0-1])\b|{_I_AM} in (?:[5-9]|1[01])th grade\b",
    ]
)
# "still in school, 15": an age next to school, with no one else in the sentence.
_SCHOOL_AGE = _any(
    [
        rf"\b(?:still )?(?:in|at|go to|attend) (?:high |secondary |middle |primary )?school\b"
        rf"[^.?!]{{0,15}}?{_MINOR_AGE}{_NOT_AN_AGE}",
        rf"{_MINOR_AGE}{_YEARS_OLD}?[^.?!]{{0,15}}\b(?:still )?(?:in|at) (?:high |secondary |"
        rf"middle )?school\b",
    ]
)
_THIRD_PERSON_CHILD = re.compile(
    r"\b(?:my|our|his|her) (?:\w+ )?(?:son|daughter|child|kid|boy|girl|grandson|granddaughter|"
    r"niece|nephew|brother|sister|friend)\b|\b(?:he|she)(?:'s| is)\b"
)
# Forum shorthand: "me (15m)", "I (14F)", "15f here", "hey all, 16 y/o girl here".
_SHORT_NUMBER = r"(?<![\w.,])(?:[5-9]|1[0-7])"
_SHORT_AGE = _any(
    [
        rf"\b(?:me|i|myself|i'?m|im)\s?[(\[]\s*(?:[mf] ?{_SHORT_NUMBER}|{_SHORT_NUMBER}"
        rf"(?: ?[mf]|{_YEARS_OLD})?)\s*[)\]]",
        rf"^[(\[]\s*(?:[mf] ?{_SHORT_NUMBER}|{_SHORT_NUMBER}(?: ?[mf]|{_YEARS_OLD}))\s*[)\]]",
        rf"(?:^|[.!?]\s+|\b(?:hi|hello|hey|hiya|heya)\b(?: (?:all|everyone|everybody|guys|"
        rf"there|folks|people))?[,!.:]?\s+|\bme,?\s+)(?:a |an )?(?:{_SHORT_NUMBER} ?[mf]|[mf] ?"
        rf"{_SHORT_NUMBER})\b(?=\s*(?:[,.!?:;)]|$)|\s+(?:here|and|with|asking|wondering|"
        rf"looking|who|wanting)\b)",
        rf"(?:^|[.!?(]\s*|\b(?:hi|hello|hey|hiya|heya)\b(?: (?:all|everyone|everybody|guys|"
        rf"there|folks|people))?[,!.:]?\s+|\bme\b[,:]?\s+)(?:a |an )?{_MINOR_AGE}"
        rf"(?:{_YEARS_OLD}|[mf]\b) (?:girl|boy|guy|student|teen|teenager|female|male|here)\b",
    ]
)

# The same in German, French, Italian and Spanish ("ich bin 15", "j'ai 16 ans", "ho 15
# anni", "tengo 16 años"); "j'ai 16 ans de polyarthrite", "seit 15 jahren" and "ho 15
# anni di artrite" are years of illness, not an age.
_MINOR_NUMBER = r"(?<![\d.,])\b(?:[5-9]|1[0-7])\b(?![.,:/]\d)"
# "j'ai 15ans", "ho 16anni": the unit that follows is part of the pattern.
_GLUED_NUMBER = r"(?<![\d.,])\b(?:[5-9]|1[0-7])(?!\d)"
_DE_AGE = (
    rf"(?:{_MINOR_NUMBER}|\b(?:f(?:ü|u|ue)nf|sechs|sieben|acht|neun|zehn|elf|zw(?:ö|o|oe)lf|"
    r"dreizehn|vierzehn|f(?:ü|u|ue)nfzehn|sechzehn|siebzehn)\b)"
)
_FR_AGE = (
    rf"(?:{_GLUED_NUMBER}|\b(?:cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|"
    r"seize|dix[- ]sept)\b)"
)
_IT_AGE = (
    rf"(?:{_GLUED_NUMBER}|\b(?:cinque|sei|sette|otto|nove|dieci|undici|dodici|tredici|"
    r"quattordici|quindici|sedici|diciassette)\b)"
)
_ES_AGE = (
    rf"(?:{_GLUED_NUMBER}|\b(?:cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|"
    r"quince|diecis(?:é|e)is|diecisiete)\b)"
)
_OTHER_LANGUAGE_AGE = _any(
    [
        # "ich bin 15", "bin erst 16", "ich bin 15 jahre alt"; not "ich bin 15 minuten
        # entfernt", "ich bin 16 wochen schwanger", "bin 16 uhr da".
        rf"(?:\bich |^|[.!?,;]\s*)bin (?:erst |gerade |grad |gerade mal |gerade erst |noch |jetzt |"
        rf"nur |doch erst |schon )?{_DE_AGE}(?!\s*(?:jahre?n?\b(?!\s*(?:alt\b|und\b|[,.!?]|$))|jhr|monat\w*|woche\w*|"
        r"tage?n?\b|stunde\w*|std|minute\w*|min\b|sekunde\w*|km|kilo\w*|meter|kg|uhr|mal\b|"
        r"prozent|%|euro|franken|chf|cm|mg|ml|grad|punkte))",
        r"\bich bin (?:noch )?(?:minderj(?:ä|a|ae)hrig|nicht (?:volljährig|volljaehrig|"
        r"volljahrig|erwachsen)|unter 18)\b",
        # "j'ai 16 ans", "jai 14 ans", "j'ai eu 15 ans"; not "j'ai 16 ans de polyarthrite"
        # or "depuis que j'ai 15 ans" (since I was 15), nor the same in Italian or Spanish.
        rf"(?<!depuis que )(?<!quand )(?<!lorsque )\bj ?'? ?ai (?:eu |seulement |que |juste |à peine |a peine |presque |bientôt |"
        rf"bientot )?{_FR_AGE} ?ans\b(?!\s*(?:de\b|d'|d |que\b|qu'|depuis|avec\b))",
        r"\bje suis (?:encore |toujours )?mineure?\b|\bj ?'? ?ai moins de (?:18|dix-huit) ans\b",
        # "ho 15 anni", "ho compiuto 16 anni"; not "ho 15 anni di artrite".
        rf"(?<!da quando )(?<!quando )\bho (?:solo |appena |quasi |soltanto |compiuto |appena compiuto )?{_IT_AGE} ?anni\b"
        r"(?!\s*(?:di\b|d'|che\b|da\b|con\b))",
        r"\bsono (?:ancora )?minorenne\b|\bho meno di (?:18|diciotto) anni\b",
        # "tengo 16 años", "tengo 16 anos"; not "tengo 16 años de artritis / con esto".
        rf"(?<!desde que )\btengo (?:solo |sólo |solamente |apenas |casi |ya )?{_ES_AGE} ?(?:años|anos|anios|"
        r"añitos)\b(?!\s*(?:de\b|con\b|que\b|en\b|desde\b|\w+(?:ando|iendo)\b))",
        r"\bsoy (?:todavía |todavia |aún |aun )?menor(?: de edad)?\b(?! que)|\btengo menos de "
        r"(?:18|dieciocho) (?:años|anos)\b",
    ]
)


# "explain it like I'm five" is a figure of speech, not an age.
_AS_IF = re.compile(r"\b(?:like|as if|as though|as tho|pretend)\s*$")


def _under_18(text: str) -> str | None:
    for match in _SELF_AGE.finditer(text):
        if not _AS_IF.search(text[max(0, match.start() - 12) : match.start()]):
            return match.group(0)
    found = _found(_SELF_AGE_OTHER, text)
    if found:
        return found
    # "my son is still in school, 15" and "my son (15m)" are about the son, not the sender.
    for pattern in (_SCHOOL_AGE, _SHORT_AGE):
        match = pattern.search(text)
        if match and not _THIRD_PERSON_CHILD.search(text[: match.end()]):
            return match.group(0)
    return _found(_OTHER_LANGUAGE_AGE, text)


def said_under_18(text: str) -> bool:
    """Whether the sender says that they themselves are under 18.

    "I'm 15", "im fourteen", "as a 17 year old", "I'm a minor" count; "my son is 15",
    "I've had RA for 15 years" and "I was 16 when I was diagnosed" do not.
    """
    return _under_18(_normalise(text)) is not None


# --- paediatric: a child's arthritis ----------------------------------------------

_ARTHRITIS = (
    r"(?:arthrit\w*|artrit\w*|athrit\w*|arthrtis|rheumat\w*|rhumat\w*|\bra\b|\bjia\b|\bjra\b|"
    r"joint (?:pain|problems?|swelling|disease|inflammation)|swollen joints|stiff joints)"
)
_YOUNG_CHILD = (
    rf"(?:(?:children|child|kids?|toddlers?|bab(?:y|ies)|little ones?|infants?|teenagers?|"
    rf"teens?|adolescents?)\b|(?:little|young|small|teenage|baby) (?:son|daughter|boy|girl|"
    rf"grandson|granddaughter)\b|{_CHILD_AGE}{_YEARS_OLD}(?: (?:son|daughter|boy|girl|child|"
    rf"kid|grandson|granddaughter))?\b|(?:son|daughter|boy|girl|grandson|granddaughter|"
    rf"stepson|stepdaughter|niece|nephew)(?:,| is| who is| aged| age|, aged|, who is) "
    rf"(?:only |just )?{_CHILD_AGE}\b{_NOT_AN_AGE})"
)
_KIDS = (
    r"(?:children|child|kids?|teenagers?|teens|adolescents?|minors?|under[- ]?18s?|"
    r"under[- ]?age (?:patients|people)|young people|youngsters|infants|babies|juveniles|"
    r"school ?children|pupils)"
)
# Names of children's arthritis: about a child, unless the sender had it as a child.
_CHILDHOOD_ARTHRITIS = _any(
    [
        r"\bjuvenile (?:idiopathic |rheumatoid |chronic |onset )?(?:arthrit\w*|ra)\b",
        r"\bjia\b|\bjra\b|\bstill'?s disease\b",
        r"\b(?:childhood|children'?s|paediatric|pediatric|kids'?) (?:arthrit\w*|rheumat\w*|ra)\b",
        r"\b(?:paediatric|pediatric) (?:rheumatolog\w*|patients?)\b",
    ]
)
_OWN_CHILDHOOD = re.compile(
    r"\bas a (?:child|kid|teen(?:ager)?|toddler|baby|little (?:girl|boy))\b|\bwhen i was\b|"
    r"\bi (?:had|was diagnosed with|grew up with|used to have)\b|\bsince (?:i was|childhood)\b"
)
_PAEDIATRIC = _any(
    [
        # "my 8 year old daughter has arthritis", "my son is 12 and has RA".
        rf"\b(?:my|our) {_YOUNG_CHILD}[^.?!]{{0,30}}?\b(?:has|have|had|got|with|suffers?|suffering|"
        rf"diagnosed|developed|is being treated for|was told (?:he|she) has)\b[^.?!]{{0,25}}"
        rf"{_ARTHRITIS}",
        rf"{_ARTHRITIS}[^.?!]{{0,12}}\b(?:in|of) (?:my|our|a|young) {_YOUNG_CHILD}",
        # "my granddaughter has arthritis, she's 9".
        rf"\b(?:my|our) (?:son|daughter|boy|girl|grandson|granddaughter|child|kid|niece|nephew)\b"
        rf"[^.?!]{{0,30}}{_ARTHRITIS}[^.?!]{{0,30}}\b(?:he|she|they)(?:'s| is| are) (?:only |just )?"
        rf"{_CHILD_AGE}{_NOT_AN_AGE}",
        # "can children get the therapy", "is it for kids", "do you treat teenagers".
        rf"\b(?:can|could|do|does|would|will|may|are|is) (?:young |little |small )?{_KIDS}\b"
        rf"(?: (?:also|even|still|really))? (?:get|have|receive|undergo|do|be treated|be given|"
        rf"take|qualify|be eligible|eligible|be allowed|allowed|apply|sign up|be considered)\b",
        # Not "only for young people": that asks whether older people are left out.
        rf"\b(?:it|this|therapy|treatment|stem cells?|msc|mscs|injections?|procedure)\b"
        rf"(?: (?:also|even))? (?:for|suitable for|safe for|available (?:for|to)|offered "
        rf"to|ok for|okay for|possible (?:for|in)|approved for|allowed for|used (?:for|on|in)|"
        rf"given to|done (?:on|for|in)|an option for|work (?:for|in|on)) (?:young |little )?"
        rf"{_KIDS}\b",
        rf"\b(?:do|does|would|will|can|could)(?: you| the clinic| they| your (?:clinic|doctors))"
        rf"(?: also| even)? (?:treat|take|accept|see|offer (?:it|this|the \w+) to) (?:young )?"
        rf"{_KIDS}\b",
        # "my son is 15, can he have the therapy": a child as the patient.
        rf"\b(?:my|our) {_YOUNG_CHILD}[^.?!]{{0,40}}?\b(?:can|could|would|will|is|does) "
        rf"(?:he|she|they)\b[^.?!]{{0,20}}\b(?:get|have|do|receive|be treated|qualify|be "
        rf"eligible|be suitable|be a candidate|sign up|apply|take part|start)\b",
        # "could you give this to a child", "can you use the cells on kids".
        rf"\b(?:give|giving|given|administer\w*|inject\w*|use|using|used|try|trying|offer\w*|"
        rf"apply|applying) (?:it|this|that|them|the (?:therapy|treatment|injections?|infusions?|"
        rf"cells|stem cells?|mscs?|procedure)|stem cells?|mscs?)(?: also| even)? (?:to|on|in|"
        rf"with) (?:(?:a|an|my|our|young|little|small|your) )*{_KIDS}\b",
        # "could my 10 year old have it", "is my 7 year old old enough".
        # ("will my kids get it?" asks whether RA is inherited.)
        rf"\b(?:can|could|cud|coud|would|may|should|does|is|are) (?:my|our) {_YOUNG_CHILD}"
        rf"[^.?!]{{0,20}}?\b(?:(?:have|take|receive|try|do) (?:it|this|that|them)\b|(?:have|get|"
        rf"take|receive|try|do) (?:the (?:therapy|treatment|injections?|infusions?|cells|stem "
        rf"cells?|mscs?|procedure|pre-?check)|stem cells?|mscs?|injections)\b|be treated|undergo|"
        rf"qualify|be eligible|eligible|be a candidate|a candidate|too young|old enough|be "
        rf"considered)\b",
    ]
)
# "what age do you have to be ... my 9 year old": an age limit asked for a child.
_AGE_LIMIT = re.compile(
    r"\b(?:what|which) age (?:do|does|must|should) (?:you|one|someone|a person|people|patients|"
    r"kids|children|a child|they|he|she) (?:have to |need to |got to |gotta )?be\b|\bhow old "
    r"(?:do|does|must|should) (?:you|one|someone|a person|people|patients|kids|children|a child|"
    r"they|he|she) (?:have to |need to |got to |gotta )?be\b|\b(?:minimum|min|lower|youngest) "
    r"age\b|\bage (?:limit|requirement|restriction|minimum|cut ?off)\b|\btoo young\b|"
    r"\bold enough\b"
)
_A_CHILD = re.compile(rf"\b(?:my|our) {_YOUNG_CHILD}|\bfor (?:a |young |little |small )?{_KIDS}\b")


def _paediatric(text: str) -> str | None:
    found = _found(_PAEDIATRIC, text)
    if found:
        return found
    limit = _AGE_LIMIT.search(text)
    if limit and _A_CHILD.search(text):
        return limit.group(0)
    named = _found(_CHILDHOOD_ARTHRITIS, text)
    # "I had JIA as a child, now I have adult RA" is an adult's own history.
    if named and not _OWN_CHILDHOOD.search(text):
        return named
    return None


# --- financial distress ----------------------------------------------------------

_SELL = (
    r"\bsell(?:ing|s)?\b(?: \w+)?[^.?!]{0,12}\b(?:house|home|flat|apartment|condo|car|cars|"
    r"jewel\w*|wedding ring|property|land|farm|business|shop|belongings|everything|"
    r"furniture|motorbike|boat|caravan|possessions)\b"
)
_MONEY_STEP = _any(
    [
        _SELL,
        r"\b(?:take|taking|took|get|getting|apply(?:ing)? for|need|needing|borrow\w*|ask(?:ing)? "
        r"for|sign(?:ing)? for) (?:out )?(?:a |an |another |some )?(?:bank |personal |payday |"
        r"small |big |huge |second |private )?(?:loan|credit|mortgage|overdraft)s?\b",
        r"\bborrow(?:ing|ed)? (?:the )?(?:money|cash|from)\b|\bre-?mortgag\w*|\bsecond mortgage\b",
        r"\bmax(?:ing|ed)? out (?:my |our |the )?credit cards?\b",
        r"\b(?:go|going|get|getting|got|went|be|being|end up) (?:into |in )?(?:debt|the red)\b"
        r"|\bin debt\b|\bmore debt\b",
        r"\b(?:life|lifetime|entire|whole) savings\b|\ball (?:of )?(?:my|our|his|her|their|the) "
        r"savings\b",
        r"\b(?:retirement|pension) (?:savings|money|fund|funds|pot|nest egg|lump sum|capital|"
        r"account)\b|\bnest egg\b|\b(?:3rd|third) pillar\b|\bpillar 3a?\b",
        r"\b(?:spend|spending|use|using|cash(?:ing)? in|withdraw\w*|empty\w*|raid\w*|dip\w* "
        r"into|break|breaking|sacrifice|blow|blowing|drain\w*|give up) (?:all |some |part |half )?"
        r"(?:of )?(?:my|our|his|her|their) (?:pension|retirement|inheritance|kids'? \w+ fund|"
        r"children'?s (?:savings|inheritance))\b",
        r"\b(?:crowd ?fund\w*|go ?fund ?me|fund ?raiser|fund ?raising|collect(?:ing)? "
        r"donations)\b",
    ]
)
_LAST_HOPE = re.compile(r"\b(?:last|only|final) (?:hope|chance|resort|option)\b")
_MONEY = re.compile(
    r"\b(?:money|pay|paying|paid|cost|costs|price|afford|savings|francs|chf|euros?|dollars?|"
    r"expensive|loan|debt|fund|spend|spending|borrow\w*|sell|selling)\b|[€$£]"
)
_BASICS_UNAFFORDABLE = _any(
    [
        r"\b(?:can'?t|cannot|can not|cant|barely|hardly|struggl\w* to|unable to|not able to|"
        r"could ?n'?t|could not) (?:even )?(?:afford|pay|cover|buy|keep up with) (?:my |our |the )?"
        r"(?:rent|food|groceries|bills|mortgage|heating|electricity)\b",
        r"\b(?:can'?t|cannot|can not|cant|barely|hardly) (?:make|making) ends meet\b",
        r"\b(?:can'?t|cannot|can not|cant|do ?n'?t have the money to|do not have the money to) "
        r"(?:really )?afford (?:it|this|that|the \w+)\b[^.?!]{0,40}\b(?:but|yet|still|anyway)\b"
        r"[^.?!]{0,30}\b(?:want|need|will|'ll|do it|find|going to|gonna)\b",
    ]
)


# Steps that need no mention of the treatment: they are about it by their own words.
_MONEY_STEP_FOR_IT = _any(
    [
        # "we'd sell the house if we have to" (not "... if we have to move").
        rf"{_SELL}[^.?!]{{0,15}}?\b(?:if (?:we|i) (?:really )?(?:have|had|need|needed|must|"
        r"have got) to|if (?:it comes to that|necessary|need be|needed|we must|i must)|whatever "
        r"it takes|if that'?s what it takes)\b(?!\s+(?:move|relocate|downsize|go|leave|live))",
        # "I'd put my whole pension into it", "putting all my savings into this".
        r"\b(?:put|putting|puts|sink|sinking|invest\w*|pour\w*|throw\w*|spend\w*|use|using|"
        r"blow\w*|plough\w*|plow\w*|stake|staking|bet|betting|gambl\w*) (?:(?:all|every "
        r"(?:penny|cent|franc|euro|dollar|pound)) (?:of )?(?:my|our|his|her)|(?:my|our|his|her) "
        r"(?:whole|entire|full|complete|last|remaining)) (?:\w+ )?(?:savings|pension|pension "
        r"(?:money|pot|fund)|retirement (?:money|fund|savings)|inheritance|nest egg|emergency "
        r"fund|rainy day fund)\b (?:into|in|on|towards?|for) (?:it|this|that|them)\b",
        r"\b(?:put|putting|puts|sink|sinking|invest\w*|pour\w*|throw\w*|spend\w*|use|using|"
        r"blow\w*|cash(?:ing)? in) (?:my|our|his|her) (?:pension|pension (?:money|pot|fund)|"
        r"retirement (?:money|fund|savings)|nest egg|emergency fund|rainy day fund) (?:into|in|"
        rf"on|towards?|for) (?:it|this|that|them\b|{_TREATMENT})",
    ]
)
# A loan for the whole price, from someone with no savings or on benefits.
_WHOLE_PRICE_ON_CREDIT = _any(
    [
        r"\b(?:loan|credit|financ\w*|borrow\w*|payment plan|instal?ments?)\b(?<!universal "
        r"credit)[^.?!]{0,30}?\b(?:for|of|on|to pay|to cover|with) (?:the |all of the |all the )?"
        r"(?:whole|full|entire|total|complete) (?:amount|price|cost|sum|bill|fee|thing|lot)\b",
        r"\b(?:financ\w*|borrow\w*) (?:the |all of the |all the )?(?:whole|full|entire|total|"
        r"complete) (?:amount|price|cost|sum|bill|fee|thing|lot)\b",
        r"\b(?:whole|full|entire|total) (?:amount|price|cost|sum|bill) (?:on|with|through|via|by) "
        r"(?:a |my |our )?(?:loan|credit|credit cards?|finance|financing|borrow\w*)\b",
    ]
)
_NO_CUSHION = re.compile(
    r"\bno (?:savings|money saved|nest egg|reserves|cushion|safety net|money (?:left|in the "
    r"bank))\b|\b(?:do ?n'?t|do not|dont|did ?n'?t) have (?:any )?(?:savings|money saved|anything "
    r"saved|reserves|any money)\b|\bnothing (?:saved|in savings|put aside|in the bank)\b|"
    r"\bzero savings\b|\bsavings (?:are|is) (?:gone|empty|used up)\b|\b(?:on|living on|live on|"
    r"get|getting|receive|receiving) (?:state |social |government |sickness |disability |"
    r"unemployment |welfare )?(?:disability|benefits|welfare|social "
    r"(?:assistance|welfare|security)|unemployment|universal credit|income support|invalidity|"
    r"iv|pip|esa|ssi|ssdi)\b|\b(?:disability|invalidity|incapacity) (?:benefits?|pension|"
    r"allowance|payments?|insurance)\b|\b(?:unemployed|jobless|out of work|lost my job)\b"
)
# Behind with the rent or unable to pay it.
_RENT_BEHIND = re.compile(
    r"\b(?:behind|late|in arrears) (?:on|with) (?:my |our |the )?(?:rent|mortgage|bills|"
    r"payments)\b|\brent arrears\b|\b(?:can'?t|cannot|can not|cant|could ?n'?t|could not) "
    r"(?:even )?make (?:the |my |our )?rent\b|\b(?:rent|mortgage) is (?:overdue|late|unpaid)\b"
)
_WANT_TO_START = re.compile(
    r"\b(?:start|starting|begin|beginning|sign(?:ing)? up|book|booking|go ahead|get started|"
    r"apply|do the pre-?check)\b"
)

# The same in German, French, Italian and Spanish.
_OTHER_LANGUAGE_NO_MONEY = _any(
    [
        r"\bnotgroschen\b",
        r"\bmiete\b[^.?!]{0,30}\bnicht (?:mehr )?(?:zahlen|bezahlen|leisten)\b|\bmietschulden\b"
        r"|\b(?:mit der )?miete im r(?:ü|u|ue)ckstand\b",
        r"\b(?:ne|n') ?(?:peux|peut|pouvons|arrive|arrivons) (?:plus|pas)\b[^.?!]{0,15}\bpayer "
        r"(?:mon|le|notre) loyer\b|\bloyers? impay(?:é|e)s?\b",
        r"\bnon (?:riesco|posso|riusciamo|possiamo) (?:più |piu )?(?:a )?pagare (?:l'|l |il )?"
        r"affitto\b",
        r"\bno (?:puedo|podemos|alcanzo|alcanzamos)(?: a)? pagar (?:el|mi|nuestro|la|mi) "
        r"(?:alquiler|arriendo|renta)\b",
    ]
)
_OTHER_LANGUAGE_MONEY_STEP = _any(
    [
        r"\b(?:haus|wohnung|eigentumswohnung|auto|wagen|hof|grundst(?:ü|u|ue)ck|schmuck)\s+(?:zu )?"
        r"verkauf\w*|\bverkauf\w*\s+(?:\w+\s+){0,2}(?:haus|wohnung|auto|wagen)\b|"
        r"\bhausverkauf\b",
        # A loan taken, not one offered: "einen kredit aufnehmen", "pedir un préstamo".
        r"\b(?:kredit|darlehen)\b[^.?!]{0,20}\b(?:aufnehmen|aufgenommen|nehmen|beantragen|"
        r"brauchen|leihen)\b|\b(?:nehme|nehmen|brauche|brauchen|br(?:ä|a|ae)uchte\w*|beantrage|"
        r"aufnehmen)\b[^.?!]{0,15}\b(?:kredit|darlehen)\b|\bgeld leihen\b|"
        r"\b(?:alle|all unsere|all meine|unser ganzes|mein ganzes|"
        r"unsere ganzen|meine ganzen|unser gesamtes|mein gesamtes) (?:ersparnisse|erspartes)\b",
        r"\bvendre (?:la |ma |notre |sa |l'|l )?(?:maison|voiture|appartement|appart)\b",
        r"(?<!carte de )(?<!carte )\b(?:cr(?:é|e)dit|pr(?:ê|e)t|emprunt)\b(?: \w+)?"
        r"(?: pour| afin)|\b(?:prendre|faire|"
        r"demander) un (?:cr(?:é|e)dit|pr(?:ê|e)t|emprunt)\b|\bemprunter\b|\btoutes? (?:mes|nos) "
        r"(?:é|e)conomies\b",
        r"\bvendere (?:la |mia |nostra |la mia |la nostra |l'|l )?(?:casa|macchina|auto|"
        r"appartamento)\b|\b(?:chied\w*|prend\w*|pres[oa]|fa\w*|ottene\w*|accend\w*|acces[oa]|"
        r"serv\w*|bisogno di|necessit\w*) (?:un |un altro |di un )?(?:prestito|mutuo)\b|"
        r"\btutti i (?:miei|nostri) risparmi\b",
        r"\bvender (?:la |mi |nuestra |el |nuestro |mis |nuestras )?(?:casa|coche|carro|auto|"
        r"piso|departamento|apartamento)\b|\b(?:pedir|pido|ped(?:i|í)|pedir(?:é|e|ía|ia)|sacar|"
        r"saco|sacar(?:é|e|ía|ia)|solicitar|solicito|tomar|tomo|necesito|necesitar(?:ía|ia)) "
        r"(?:un |otro )?(?:pr(?:é|e)stamo|cr(?:é|e)dito)\b|\btodos (?:mis|nuestros) "
        r"ahorros\b",
    ]
)
# The treatment, paying, "for it" or "if need be" in those languages.
_OTHER_LANGUAGE_FOR_IT = re.compile(
    r"\b(?:behandlung\w*|therapie\w*|th(?:é|e)rapie|traitement|trattamento|terapia|"
    r"tratamiento|stammzell\w*|cellules? souches|cellule staminali|c(?:é|e)lulas madre|klinik|"
    r"clinique|cl(?:í|i)nica|injektion\w*|spritze\w*|piq(?:û|u)res?|iniezion\w*|inyecci\w*|"
    r"bezahl\w*|zahlen|finanzier\w*|leisten|payer|financer|pagar\w*|pagare|finanziare|"
    r"financiar|costear|daf(?:ü|u|ue)r|pour (?:ça|ca|cela)|per (?:questo|quello)|para "
    r"(?:eso|esto|ello)|notfalls|wenn (?:es )?n(?:ö|o|oe)tig|falls n(?:ö|o|oe)tig|wenn es "
    r"(?:sein muss|hilft)|s'il le faut|si (?:n(?:é|e)cessaire|besoin|ça aide)|se (?:necessario|"
    r"serve|aiuta)|si (?:hace falta|es necesario|ayuda|funciona))\b"
)


def _financial_distress(text: str) -> str | None:
    found = (
        _found(_BASICS_UNAFFORDABLE, text)
        or _found(_MONEY_STEP_FOR_IT, text)
        or _found(_OTHER_LANGUAGE_NO_MONEY, text)
    )
    if found:
        return found
    rent = _RENT_BEHIND.search(text)
    # "3 months behind on rent but I want to start": rent arrears and the treatment.
    if rent and (_about_treatment(text) or _WANT_TO_START.search(text)):
        return rent.group(0)
    credit = _WHOLE_PRICE_ON_CREDIT.search(text)
    if credit and _NO_CUSHION.search(text):
        return credit.group(0)
    foreign = _OTHER_LANGUAGE_MONEY_STEP.search(text)
    if foreign and (_OTHER_LANGUAGE_FOR_IT.search(text) or _about_treatment(text)):
        return foreign.group(0)
    step = _MONEY_STEP.search(text)
    # Selling a house or taking a car loan is ordinary life; for the treatment it is not.
    if step and _about_treatment(text):
        return step.group(0)
    hope = _LAST_HOPE.search(text)
    if hope and _MONEY.search(text):
        return hope.group(0)
    return None


# --- consent of the person -------------------------------------------------------

_SIGN_UP_SOMEONE = _any(
    [
        rf"\b(?:sign|register|enrol\w*|book|put|put down)\b (?:{_SOMEONE_ELSE}) (?:up|in|down|for)\b",
        rf"\b(?:sign(?:ing)? up|register\w*|enrol\w*|book\w*|do(?:ing)? (?:the |a )?pre-?check|"
        rf"start\w* (?:the |a )?pre-?check|fill\w* (?:in|out) (?:the )?(?:pre-?check|form|"
        rf"questions)|apply\w*|make (?:an|the) appointment|get (?:a |an )?(?:appointment|"
        rf"consultation)|give you (?:his|her|their) (?:details|number|email|contact\w*)|"
        rf"arrange (?:the|a) (?:treatment|therapy)|pay for (?:the|a|his|her) (?:treatment|"
        rf"therapy))\b[^.?!]{{0,25}}\b(?:for |on behalf of )?{_SOMEONE_ELSE}\b",
    ]
)
_WITHOUT_AGREEMENT = _any(
    [
        rf"\b(?:does|do|did){_NT} (?:know|want|agree)\b|\bdoesnt (?:know|want|agree)\b",
        rf"\b(?:has|have){_NT} (?:agreed|said yes|consented|decided|been told|a clue)\b",
        r"\b(?:hasnt|havent) (?:agreed|said yes|consented|been told)\b",
        r"\b(?:without|before) (?:him|her|them|his|their|my \w+)(?: \w+)? (?:knowing|knows|"
        r"knowledge|consent|permission|agreeing|agreement|noticing|finding out)\b",
        r"\bwithout (?:telling|asking) (?:him|her|them|my \w+)\b|\bbehind (?:his|her|their|my \w+'?s?) back\b",
        r"\b(?:not|never) (?:told|asked) (?:him|her|them)\b|\b(?:haven'?t|have not|havent) "
        r"(?:told|asked) (?:him|her|them|my)\b",
        r"\b(?:won'?t|will not|wont|refuses? to|would never|would not|wouldn'?t) (?:agree|go|"
        r"do it|consent|say yes)\b|\b(?:is|are) against (?:it|the idea)\b",
        r"\b(?:surprise|secret|secretly|unaware)\b",
    ]
)
_SURPRISE_SOMEONE = re.compile(
    rf"\bsurprise (?:for )?{_SOMEONE_ELSE}\b|\b{_SOMEONE_ELSE}\b[^.?!]{{0,30}}\b(?:as a|for a) "
    r"surprise\b"
)
# "can't decide whether to do it" is indecision; "can't decide for herself" is capacity.
_CANNOT_DECIDE = re.compile(
    r"\b(?:can'?t|cannot|can not|cant|could ?n'?t|is ?n'?t able to|is not able to|not able to|"
    r"unable to|no longer able to) (?:decide(?: things| anything)? (?:for (?:himself|herself|"
    r"themselves|themself)|by (?:himself|herself|themselves|themself)|on (?:his|her|their) own|"
    r"any ?more)|make (?:decisions|choices|(?:his|her|their) own (?:decisions|choices))|"
    r"consent|understand (?:what'?s|what is) (?:going on|happening))\b"
    r"|\blacks? (?:the )?(?:mental )?capacity\b|\bno longer (?:has|have) (?:mental )?capacity\b"
    r"|\bnot (?:of sound mind|mentally competent)\b|\bmentally incompetent\b|\bin a coma\b"
)
_IMPAIRED = re.compile(
    r"\b(?:dementia|alzheimer'?s?|alzheimers|alzeimer'?s?|alzheimer|demented|severe(?:ly)? "
    r"(?:cognitive|learning) (?:impair\w*|disabilit\w*))\b"
)
_FOR_SOMEONE = re.compile(
    rf"\b(?:{_SOMEONE_ELSE}|he|she|they|his|her)\b[^.?!]*\b(?:treatment|therapy|stem ?cells?|"
    r"injections?|sign\w* up|book\w*|pre-?check|apply|decide|consent|get it|have it|"
    r"consultation|register\w*)\b|\b(?:treatment|therapy|stem ?cells?|injections?|sign\w* up|"
    rf"book\w*|pre-?check|apply|decide|consent|get it|have it|consultation|register\w*)\b"
    rf"[^.?!]*\b(?:{_SOMEONE_ELSE}|he|she|they|his)\b"
)
_REPRESENTATIVE = re.compile(
    r"\b(?:power of attorney|legal guardian|guardianship|legal representative|court[- ]"
    r"appointed (?:guardian|deputy|representative))\b"
)


# "he doesn't really understand things", "she won't remember this anyway", "(she is in a
# care home and) can't follow": someone else who cannot take the decision in. Not "I
# don't understand", not "he doesn't understand English" or "the pricing".
_CANNOT_UNDERSTAND = re.compile(
    rf"\b(?:he|she|they|{_RELATIVE_WORDS})\b[^.?!]{{0,40}}?(?<!\bi )(?<!\bwe )(?<!\byou )"
    r"(?:(?:does|do|did|could|would)(?:n'?t| not|nt)|ca(?:n'?t|n not|nnot|nt)|wo(?:n'?t|nt)|"
    r"will not|(?:(?:is ?n'?t|is not|not|no longer) able|unable) to)(?: really| realy| rly| "
    r"fully| even| properly| always| actually| quite| possibly| truly| remember or)? "
    r"(?:understand|undrestand|understnad|comprehend|grasp|follow|remember|recall|take (?:it|"
    r"this|that|things) in|know what(?:'?s| is) (?:going on|happening))\b(?! (?:english|german|"
    r"french|italian|spanish|the language|the (?:website|site|form|forms|chat|app|price|prices|"
    r"pricing|costs?|bill|paperwork|insurance|procedure|process|details|dates?|times?|address|"
    r"way|appointments?|name|number|password)|computers?|technology|the internet|how\b|why\b|"
    r"where\b|when\b|to\b))"
    r"|\bno (?:idea|clue) what(?:'?s| is) (?:going on|happening)\b"
)
# The sender deciding or signing up in their place.
_DECIDE_FOR_THEM = re.compile(
    r"\b(?:decide|choose|sign|consent|say yes|agree|make (?:the|this|that|all the|all|these) "
    r"(?:decisions?|choices?|call)|deciding|choosing|signing|consenting) (?:for|on behalf of|"
    r"instead of|in place of) (?:him|her|them)\b|\b(?:sign|book|register|enrol\w*|put) (?:him|"
    r"her|them) (?:up|in|down|on)\b"
)


def _consent_of_person(text: str) -> str | None:
    sign_up = _SIGN_UP_SOMEONE.search(text)
    if sign_up and _WITHOUT_AGREEMENT.search(text):
        return sign_up.group(0)
    decide = _DECIDE_FOR_THEM.search(text) or sign_up
    if decide and _CANNOT_UNDERSTAND.search(text):
        return decide.group(0)
    surprise = _SURPRISE_SOMEONE.search(text)
    if surprise:
        return surprise.group(0)
    cannot = _CANNOT_DECIDE.search(text)
    if cannot and re.search(
        r"\b(?:himself|herself|themselves|themself|his|her|their)\b", cannot.group(0)
    ):
        return cannot.group(0)
    impaired = _IMPAIRED.search(text) or cannot or _REPRESENTATIVE.search(text)
    if impaired and _FOR_SOMEONE.search(text):
        return impaired.group(0)
    return None


# --- staff / authority claims ------------------------------------------------------

_INSIDE_ROLE = (
    r"(?:admin|administrator|sys ?admin|system administrator|site admin|developer|dev|"
    r"programmer|engineer who built (?:you|this)|owner|moderator|operator|supervisor|"
    r"it (?:guy|person|admin|support|department|team|staff|technician)|data protection officer|"
    r"dpo|security team|support team|staff member|member of staff|member of the team|"
    r"clinic'?s? (?:\w+ )?(?:staff|doctor|nurse|advisor|adviser|admin|manager|team|employee|it|"
    r"director|head|chief)|medical director|clinical director|head of (?:the )?clinic|"
    r"your (?:boss|creator|developer|admin|programmer|owner|maker|supervisor|manager|"
    r"colleague|doctor|advisor|adviser|nurse|team|staff))"
)
_ANY_ROLE = (
    r"(?:staff|employee|doctor|dr|physician|nurse|advisor|adviser|medical advisor|"
    r"receptionist|coordinator|manager|director|ceo|consultant|secretary|assistant|head|chief)"
)
_AUTHORITY = (
    r"(?:police|policeman|policewoman|police officer|officer|detective|inspector|"
    r"investigator|kantonspolizei|kapo|fedpol|fbi|interpol|law enforcement|prosecutor|"
    r"public prosecutor|authorities|government|court|judge|customs|regulator|swissmedic|"
    r"federal data protection|fdpic|edoeb)"
)
_CLAIM = r"\b(?:i ?'?m|i am|iam|this is|we are|we'?re|speaking as|it'?s)"
_CLINIC = (
    r"(?:(?:this|the|your|ur) (?:clinic|practi[cs]e|hospital|company)|swiss ?medica|here|"
    r"you guys)"
)
# A name after the role ("nurse Anna", "Dr. Anna Meier"), at most two words.
_NAME = (
    r"(?: (?!and\b|but\b|at\b|from\b|of\b|in\b|with\b|for\b|here\b|working\b)[a-z'-]+)"
    r"{0,2}?"
)
_STAFF_CLAIM = _any(
    [
        rf"{_CLAIM} (?:a |an |the |your |one of (?:the|your) |from (?:the )?|with (?:the )?)?"
        rf"{_INSIDE_ROLE}\b",
        rf"\bas (?:a |an |the |your )?{_INSIDE_ROLE}\b",
        # "I'm a doctor at this clinic", "this is nurse Anna from your practice".
        rf"{_CLAIM} (?:a |an |the |your |one of (?:the|your) )?(?:clinic )?(?:\w+ )?{_ANY_ROLE}s?"
        rf"\.?{_NAME}(?: (?:working|employed))? (?:here|at {_CLINIC}|of {_CLINIC}|from "
        rf"{_CLINIC}|for "
        rf"{_CLINIC}|in {_CLINIC}|with {_CLINIC})\b",
        rf"\bi work (?:here|for (?:you|{_CLINIC})|at {_CLINIC}|in (?:the|your) clinic)\b",
        rf"\b(?:this is|we are|we'?re|it'?s) (?:the )?{_AUTHORITY}\b|\b(?:police|polizei) here\b",
        rf"{_CLAIM} (?:\w+ )?(?:from|with|of|representing) (?:the )?{_AUTHORITY}\b",
        r"\b(?:admin|developer|debug|maintenance|god|sudo|root) (?:mode|access|rights|"
        r"privileges|panel|override)\b",
    ]
)
# A patient may be a nurse or a police officer; with a request for others' data (or an
# official demand) the role is a claim of access.
_GENERAL_ROLE_CLAIM = re.compile(
    rf"(?:{_CLAIM}|\bas) (?:a |an |the |your )?(?:\w+ )?(?:{_ANY_ROLE}|{_AUTHORITY})\b"
)
_OFFICIAL_DEMAND = re.compile(
    r"\b(?:warrant|court order|official request|case number|subpoena|under investigation|"
    r"(?:hand over|release|disclose|need) (?:the |his |her |their |this person'?s )?(?:data|"
    r"chats?|conversations?|messages|details|records|ip address))\b"
)
_OTHERS_DATA = _any(
    [
        r"\bother (?:users?|people|patients?|visitors?|clients?|customers?)'?s?\b[^.?!]{0,25}"
        r"\b(?:conversations?|chats?|messages|data|details|records|answers|leads?|emails?|"
        r"numbers?|logs)\b",
        r"\b(?:all|every|everyone'?s|someone'?s|somebody'?s|another (?:person|user|patient)'?s?)"
        r" (?:the )?(?:conversations?|chats?|chat logs?|logs|transcripts?|messages|leads|"
        r"contacts|contact details|records|user data|patient data)\b",
        r"\b(?:patient|user|lead|customer|client)s?'? ?(?:list|lists|database|records|names|"
        r"emails|phone numbers|contact details|conversations|chats|data)\b",
        r"\b(?:show|give|send|tell|list|forward|export|download|dump|read) (?:me )?(?:the |all "
        r"|every |your )?(?:leads?|conversations|chats|transcripts|logs|database|patient list|"
        r"user list)\b",
        r"\bwhat (?:did|has|have) (?:my|the|that|this) (?:\w+ )?(?:" + _RELATIVE_WORDS + r"|"
        r"user|person|patient|guy|woman|man|lady) (?:write|written|say|said|tell you|told you|"
        r"ask|asked|type|typed)\b",
        r"\b(?:the )?(?:conversation|chat|messages|data|details) (?:of|from|with) (?:user|"
        r"patient|sender|mr|mrs|ms|someone|somebody|another)\b",
        r"\b(?:bypass|skip|override|disable|switch off|turn off|get around) (?:the |your |all )?"
        r"(?:checks?|pre-?check|verification|consent|filters?|safety|rules|screening|"
        r"questions)\b",
        r"\bignore (?:your|the|all|previous|any) (?:rules|instructions|guidelines|prompt)\b",
    ]
)


# A message that opens with a role and no "I'm": "doctor from the clinic here", "Dr Meier
# from the clinic, ...", a bare "Police." or "police here".
_OPENING = (
    r"(?:^|[.!?]\s+|\b(?:hi|hello|hey|good (?:morning|afternoon|evening|day)|greetings)\b"
    r"[,!.:]?\s+)"
)
_OPENING_ROLE = (
    r"(?:dr\.?|doctor|doc|nurse|physician|advisor|adviser|receptionist|coordinator|manager|"
    r"director|secretary|assistant|staff member|therapist|admin)"
)
_OPENING_CLAIM = re.compile(
    rf"{_OPENING}(?:your )?{_OPENING_ROLE}{_NAME} (?:from|at|of|with) {_CLINIC} here\b(?!\s*\?)"
)
_OPENING_ROLE_RE = re.compile(
    rf"{_OPENING}(?:(?:your )?{_OPENING_ROLE}{_NAME} (?:from|at|of|with) {_CLINIC}|"
    rf"{_AUTHORITY})(?= ?[.!:,;-]| here\b)"
)
# What such a sender then asks for: other people's logs, numbers, leads, answers.
_DATA_REQUEST = re.compile(
    r"\b(?:send|give|show|forward|share|export|list|provide|pass on|hand over|release|disclose|"
    r"need|want|require|get me|pull up|look up|read me|access|email me|mail me|print)\b"
    r"(?: (?:me|us))?(?: (?!my\b|our\b|mine\b)[\w']+){0,5}? (?:chat ?logs?|logs|transcripts?|"
    r"conversations?|chats|chat history|(?:phone|mobile|telephone|contact) numbers?|numbers|"
    r"leads?|pre-?check (?:answers|results|responses|data|forms?)|answers|contact (?:requests?|"
    r"details|info|data|list)|callback requests|requests|user ?(?:lists?|names|data|database|"
    r"accounts)|users|patient ?(?:lists?|names|data|records|files|details)|patients|e-?mails?|"
    r"e-?mail addresses|addresses|records|messages|ip address\w*|details|names)\b"
)


def _staff_claim(text: str) -> str | None:
    found = _found(_STAFF_CLAIM, text) or _found(_OPENING_CLAIM, text)
    if found:
        return found
    opening = _OPENING_ROLE_RE.search(text)
    if opening and _DATA_REQUEST.search(text[opening.end() :]):
        return opening.group(0)
    data = _OTHERS_DATA.search(text) or _OFFICIAL_DEMAND.search(text)
    if data and _GENERAL_ROLE_CLAIM.search(text):
        return data.group(0)
    return None


# --- erasure of someone else's data ------------------------------------------------

_ERASE = (
    r"(?:delete|deleting|erase|erasing|remove|removing|wipe|wiping|clear|clearing|purge|"
    r"get rid of|destroy|forget)"
)
_DATA = (
    r"(?:data|conversations?|chats?|chat history|messages?|details|answers|info|information|"
    r"records?|history|account|lead|pre-?check(?: answers)?|contact (?:details|info)|email|"
    r"number|profile|entries|everything|stuff)"
)
_WHOSE = (
    rf"(?:(?:my|our|the) (?:\w+ )?{_RELATIVE}'?s?|his|their|someone(?: else)?'?s|"
    r"somebody(?: else)?'?s|another (?:person|user|patient)'?s?|other (?:people|users|"
    r"patients)'?s?|(?:the|this|that) (?:other )?(?:person|user|patient|guy|woman|man|lady)'?s|"
    r"user \w+'?s|everyone'?s|all (?:the )?users'?)"
)
_ERASE_OTHERS = _any(
    [
        rf"\b{_ERASE}\b (?:all )?(?:of )?(?:{_WHOSE}|her) (?:\w+ )?{_DATA}\b",
        # "erase all the data my husband gave you", "... the details he sent".
        rf"\b{_ERASE}\b (?:all )?(?:of )?(?:the |any )?{_DATA} (?:that |which )?(?:(?:my|our) "
        rf"(?:\w+ )?{_RELATIVE}|he|she|they) (?:has |had |have )?(?:gave|given|give|sent|entered|"
        r"typed|wrote|written|provided|shared|submitted|put in|told you|filled in)\b",
        # "delete all the data you have on my sister / on him".
        rf"\b{_ERASE}\b (?:all )?(?:of )?(?:the |any )?{_DATA} (?:(?:that |which )?(?:you|u) "
        r"(?:have|hold|keep|store|stored|got|collected|saved|have (?:stored|saved|collected|got|"
        r"kept))(?: stored| saved| kept)? )?(?:of|from|for|about|belonging to|on) "
        rf"(?:(?:my|our|the) (?:\w+ )?{_RELATIVE}|him|her|them|someone else|somebody else|"
        r"another (?:person|user|patient)|other (?:people|users|patients)|user \w+|everyone|"
        r"all users)\b",
        rf"\b{_ERASE}\b (?:him|her|them|my (?:\w+ )?{_RELATIVE}) (?:from|out of) (?:your|the) "
        r"(?:system|records?|database|list|files|chat)\b",
        rf"\b(?:his|her|their|my (?:\w+ )?{_RELATIVE}'?s?) (?:\w+ )?{_DATA} (?:to be |be |being |"
        r"get |gets |got )?(?:deleted|erased|removed|wiped)\b",
        rf"\b(?:wants?|asked|asks|would like|wish\w*) (?:me )?(?:you )?to {_ERASE} (?:his|her|"
        rf"their) (?:\w+ )?{_DATA}\b",
        rf"\b{_ERASE}\b[^.?!]{{0,20}}\b(?:what|everything|anything|all) (?:my |our )?(?:\w+ )?"
        rf"{_RELATIVE} (?:wrote|said|typed|entered|told you|sent)\b",
    ]
)
# Text typed into this very chat is this conversation's data: deleting it is routine.
_THIS_CHAT = re.compile(
    r"\b(?:in here|into here|this (?:chat|conversation)|(?:typed|wrote) (?:\w+ ){0,4}here)\b"
)


def _erasure_of_others(text: str) -> str | None:
    found = _found(_ERASE_OTHERS, text)
    if found and not _THIS_CHAT.search(text):
        return found
    return None


# --- corrections: claims about the therapy to put right ------------------------------

_SUBJECT = (
    r"\b(?:it|this|they|these|the (?:therapy|treatment|injections?|stem cells?|cells|mscs?|"
    r"procedure|infusions?)|stem cells?|stemcells?|mscs?|(?:msc|stem cell|stemcell|cell|"
    r"regenerative) (?:therapy|treatment|injections?)|this (?:therapy|treatment))"
)
_REPAIR_VERB = (
    r"(?:revers\w*|regrow\w*|re-?grow\w*|regenerat\w*|rebuil\w*|repair\w*|restor\w*|undo\w*|"
    r"undid|heal\w*|fix\w*|replac\w*|renew\w*|gr[eo]w\w* (?:back|new)|make \w+ new)"
)
_DAMAGE = (
    r"(?:damage\w*|cartilage|erosions?|joints?|bones?|deformit\w*|knuckles|destruction|"
    r"destroyed|worn)"
)
_REVERSAL = re.compile(
    rf"{_SUBJECT} (?:will |can |does |do |did |would |definitely |actually |really |"
    rf"completely |totally |fully |basically |literally |even |also |just )*{_REPAIR_VERB}\b"
    rf"[^.?!]{{0,30}}\b{_DAMAGE}"
)
_REVERSAL_OTHER = _any(
    [
        r"\b(?:cartilage|joints?|bones?) (?:will |would |actually |really |completely |fully )*"
        r"(?:grows back|grew back|regrows|regrew|regenerates|regenerated|comes back|came back|"
        r"will (?:grow|regrow|regenerate|come) back)\b",
        r"\b(?:gets?|got|will get|getting) (?:my |the |your )?(?:cartilage|joints?) back\b",
        r"\b(?:new|fresh) cartilage (?:grows|will grow|forms|will form)\b",
        r"\blike new (?:joints|knees|hands)\b|\bjoints? (?:are|were|will be) like new\b",
    ]
)
# "does it reverse the damage?" asks; "it reverses the damage" asserts.
_QUESTION_LEAD = re.compile(
    r"(?:\b(?:can|could|does|do|did|will|would|is|are|might|may|should|how|shall|won'?t|"
    r"doesn'?t|can'?t|what if)\s+)$"
)
_REPORTED = re.compile(r"\b(?:true or false|is it true|i (?:read|heard|saw)|they say)\b")


def _reversal(text: str) -> str | None:
    for match in _REVERSAL.finditer(text):
        before = text[max(0, match.start() - 20) : match.start()]
        if not _QUESTION_LEAD.search(before):
            return match.group(0)
    found = _found(_REVERSAL_OTHER, text)
    if found:
        lead = text[: text.find(found)]
        if not _QUESTION_LEAD.search(lead[-20:]) or _REPORTED.search(lead):
            return found
    return None


_RATE = (
    r"(?:\b\d{1,3}(?:[.,]\d+)? ?(?:%|percent\b|per ?cent\b|pc\b)|\b(?:nine|eight|seven|six|"
    r"five|four|three|two|one|\d) (?:out of|in|of) (?:ten|10)\b|\b\d{1,3} (?:out of|in|of) "
    r"(?:100|a hundred|hundred)\b)"
)
_OUTCOME = (
    r"(?:remission|success\w*|succeed\w*|cure[sd]?|heal(?:ed|s)?|work(?:s|ed)?|respond\w*|"
    r"response|improve\w*|better|pain[- ]free|symptom[- ]free|effective\w*|efficacy|results?|"
    r"recover\w*|benefit\w*|satisf\w*|free of|off (?:their |all |the )?(?:meds|medication)|"
    r"walk again|patients|people)"
)
_NUMBERS = _any(
    [
        rf"{_RATE}(?! ?(?:sure|certain|confident|discount|off\b|deposit|vat|tax|interest|fee|"
        rf"safe|natural|legal|organic)"
        rf")[^.?!]{{0,40}}?\b{_OUTCOME}\b",
        rf"\b{_OUTCOME}\b[^.?!]{{0,30}}?{_RATE}(?! ?(?:sure|certain|confident|safe|natural|"
        rf"legal|of \d))",
        r"\b(?:success|remission|cure|response|recovery) rate (?:is |of |was |around |about |"
        r"over |above |near |at |= |: )+(?:about |around |over |above |nearly |almost |roughly )?"
        r"\d{1,3}\b",
    ]
)


# Claims about the amount of evidence: "hundreds of big studies prove it works", "proven
# in thousands of patients". "How many studies show it works?" asks.
_AMOUNT = (
    r"(?<!how )(?<!not )(?:hundreds|thousands|tens of thousands|dozens|millions|countless|"
    r"numerous|tons|loads|a (?:hundred|thousand|million)|\d{2,}[\d,.']*)"
)
_EVIDENCE_UNITS = r"(?:stud(?:ies|ys)|trials|papers|publications|patients|people|cases|experiments)"
_EVIDENCE_AMOUNT = _any(
    [
        rf"\b{_AMOUNT} (?:of )?(?:\w+ ){{0,3}}?{_EVIDENCE_UNITS}\b[^.?!]{{0,40}}?\b(?:prove[sdn]?|"
        r"proving|proof|show(?:s|ed|n)? (?:that )?(?:it|they|this|the \w+|stem cells?|mscs?) "
        r"(?:works?|is effective|are effective|helps?|cures?)|confirm(?:s|ed)? (?:that )?(?:it|"
        r"they|this) (?:works?|is effective|helps?|cures?))\b",
        rf"\b(?:proven|proved|proof|shown to work|confirmed) (?:\w+ )?(?:in|on|with|by|across|"
        rf"among|from) {_AMOUNT} (?:of )?(?:\w+ ){{0,2}}?{_EVIDENCE_UNITS}\b",
    ]
)
# "clinically proven for RA" asserts; "is it clinically proven?" asks (the evidence FAQ).
_PROVEN = re.compile(
    r"\b(?:clini?c?ally|scientifically|scientificly|medically) (?:proven|proved|tested and "
    r"proven)\b|"
    r"\bproven (?:cure|treatment|therapy|to (?:work|cure|heal|help|reverse|fix))\b"
)
_ASKS = re.compile(
    r"^\W*(?:is|are|was|were|has|have|had|does|do|did|can|could|will|would|how|why|what|where|"
    r"which|when|is ?n'?t|are ?n'?t|has ?n'?t|have ?n'?t|if)\b"
)


def _numbers(text: str) -> str | None:
    found = _found(_NUMBERS, text) or _found(_EVIDENCE_AMOUNT, text)
    if found:
        return found
    for match in _PROVEN.finditer(text):
        sentence = re.split(r"[.!?]\s*", text[: match.start()])[-1]
        if not _ASKS.search(sentence) or _REPORTED.search(sentence):
            return match.group(0)
    return None


_GUARANTEE_WORD = re.compile(r"\bg(?:ua|au|a|u)r(?:a|e|u)nt(?:ee|ie|y|i)\w*")
# Safety, privacy and quality "guarantees" (that the cells are what the clinic says,
# sterile, tested) are FAQ topics of their own, not results.
_NOT_RESULTS = re.compile(
    r"\b(?:safe|safety|risk\w*|privacy|data|confidential\w*|secure|anonym\w*|quality|"
    r"steril\w*|genuine|authentic\w*|what (?:you|they) (?:say|claim))\b"
)
_GUARANTEE_OTHER = _any(
    [
        r"\bmoney[- ]?back\b[^.?!]{0,5}\bg\w*",
        r"\bmoney back\b[^.?!]{0,40}\b(?:work\w*|help\w*|result\w*|improv\w*|better|cure\w*|"
        r"effect\w*|fail\w*)\b|\b(?:work\w*|help\w*|result\w*|improv\w*|better|cure\w*|"
        r"effect\w*|fail\w*)\b[^.?!]{0,40}\bmoney back\b",
        r"\brefund\w*\b[^.?!]{0,40}\b(?:work\w*|help\w*|result\w*|improv\w*|better|cure\w*|"
        r"effect\w*|fail\w*)\b|\b(?:work\w*|help\w*|result\w*|improv\w*|better|cure\w*|"
        r"effect\w*|fail\w*)\b[^.?!]{0,40}\brefund\w*",
        r"\bno (?:cure|result|results|improvement|success),? no (?:pay|fee|charge|payment)\b",
        r"\b(?:only )?pay (?:only )?(?:if|when) (?:it|the \w+) (?:works|helps)\b",
        r"\b(?:can|could|will|would|do) you (?:\w+ )?promise\b|\bpromise me\b",
        r"\b(?:will|does|would) (?:it|this|the \w+) (?:definitely|certainly|surely|100 ?%) "
        r"(?:work|help|cure)\b|\b(?:certain|sure|bound) to work\b|\bwork for sure\b",
    ]
)


def _guarantee(text: str) -> str | None:
    word = _GUARANTEE_WORD.search(text)
    if word and not _NOT_RESULTS.search(text):
        return word.group(0)
    return _found(_GUARANTEE_OTHER, text)


_OWN_CELLS = re.compile(
    r"\b(?:(?:my|your|their|his|her|one'?s|the patient'?s|our) (?:very )?own(?: stem)? cells|"
    r"own (?:stem )?cells|autologous|from (?:my|your|their|his|her|our) (?:own )?(?:body|fat|"
    r"blood|bone marrow|tissue)|own (?:body|fat|tissue|blood)|my own)\b"
)
_NO_RISK = _any(
    [
        r"\b(?:no|zero|without|not any|nil|absolutely no|can'?t be any|cannot be any|is ?n'?t any|"
        r"is not any|there'?s no|there is no) (?:\w+ )?(?:risks?|danger\w*|side[- ]?effects?|"
        r"downsides?|chance of (?:cancer|infection|harm|tumou?rs?))\b",
        r"\b(?:totally|completely|100 ?%|100 percent|perfectly|absolutely|entirely|fully|"
        r"must be|has to be|it'?s|its|it is|they'?re|they are|cells are|is) (?:totally |"
        r"completely |100 ?% |perfectly |absolutely |entirely |fully )?(?:safe|harmless|"
        r"risk[- ]?free)\b",
        r"\b(?:can'?t|cannot|can not|cant|could ?n'?t|could not|won'?t|will not|wont|"
        r"would ?n'?t|would not|never) (?:possibly )?(?:cause|give (?:me |you |anyone )?|lead to|"
        r"harm|hurt|trigger) (?:\w+ )?(?:cancer|tumou?rs?|harm|problems|infections?|side "
        r"effects|anything bad|me|you)\b",
        r"\bnothing (?:can|could|will|would) (?:possibly )?go wrong\b|\b(?:can'?t|cannot) go wrong\b",
    ]
)


def _own_cells(text: str) -> str | None:
    own = _OWN_CELLS.search(text)
    no_risk = _NO_RISK.search(text)
    if own and no_risk:
        return no_risk.group(0)
    return None


_AGENT = (
    r"(?:advisor|adviser|doctor|dr\.?|doc|consultant|nurse|clinic|coordinator|sales ?(?:person|"
    r"man|woman|rep)|rep|representative|agent|specialist|surgeon|manager|website|brochure|"
    r"your (?:colleague|team|staff|people|site|ad|advert)|(?:man|woman|lady|guy|person|girl|"
    r"people) (?:on the phone|at the clinic|from the clinic|i spoke to|i talked to)|"
    r"swiss ?medica|you(?: guys)?|they)"
)
_CERTAIN_OUTCOME = (
    r"(?:(?:it|this|the (?:therapy|treatment|injections?|stem cells?|cells|procedure))"
    r"(?:'?ll| will| would|'d| is going to| was going to| gonna)? (?:definitely |certainly |"
    r"100 ?% |surely |absolutely )?(?:works?|helps?|cures?|heals?|fix(?:es)?|reverses?|"
    r"gets? rid|stops?|ends?|be gone|go away|succeed)\b|(?:i|i'?d|i'?ll|we|he|she|he'?d|she'?d|"
    r"he'?ll|she'?ll|my (?:\w+ )?(?:ra|arthritis|pain|joints?|hands|knees))(?:'?ll| will| would|"
    r"'d| am going to| is going to| are going to| gonna)? (?:definitely |certainly |surely |be )*"
    r"(?:cured|healed|pain[- ]free|fine|better|get better|walk|recover|go into remission|in "
    r"remission|gone|go away|symptom[- ]free|off|improve|feel better|no longer)\b|(?:a |an )?"
    r"(?:cure|permanent cure|full recovery|remission|guaranteed \w+|100 ?%)\b)"
)
_PROMISE = _any(
    [
        rf"\b{_AGENT}\b[^.?!]{{0,25}}?\b(?:promised|promises|guaranteed|guarantees|assured|"
        r"assures|swore|swears)\b",
        rf"\b{_AGENT}\b[^.?!]{{0,25}}?\b(?:told|tells|said|says|claimed|claims|confirmed|"
        rf"insisted)(?: me| us| him| her| my \w+)?(?: that)? {_CERTAIN_OUTCOME}",
        r"\b(?:i|we|he|she|my \w+) (?:was|were|have been|has been|got|had been) (?:promised|"
        r"guaranteed|assured)\b",
    ]
)


def _promise(text: str) -> str | None:
    return _found(_PROMISE, text)


# --- special groups: only their own doctor can advise -----------------------------------

_PREGNANCY = _any(
    [
        r"\bpregnan\w*\b(?!\s+tests?)|\bpregant\b|\bpreggers\b",
        r"\btrying (?:for|to have|to get) (?:a |another )?(?:baby|child|kid|pregnant)\b",
        r"\btrying to conceive\b|\bttc\b|\bconceiv\w*|\bconception\b",
        r"\bfertil\w*|\binfertil\w*|\bivf\b|\begg freezing\b",
        r"\bexpecting (?:a |our |my )?(?:baby|child|twins)\b",
        r"\bplanning (?:a |to have a |for a |to start a )?(?:baby|pregnancy|family)\b",
        r"\b(?:want|wanting|hope|hoping|plan|planning) to (?:have|start) (?:a |another )?"
        r"(?:baby|babies|children|kids|family)\b",
        r"\bstart(?:ing)? a family\b|\bmorning sickness\b|\bmiscarr\w*|\b(?:pre|ante)natal\b",
    ]
)
_BREASTFEEDING = _any(
    [
        r"\bbreast ?-?feed\w*|\bbreast ?-?fed\b|\blactat\w*|\bbreast ?milk\b|\bchest ?-?feed\w*",
        r"\b(?:i'?m|i am|still|currently) (?:still |currently )?nursing\b(?!\s+(?:home|student|"
        r"degree|course|job|shift|a\b|an\b|my (?:husband|wife|mum|mom|mother|dad|father|partner|"
        r"grudge)))",
        r"\bnursing (?:my |a |the |our )?(?:baby|infant|newborn|little one|son|daughter)\b",
        r"\bnursing (?:mother|mum|mom|mama)\b|\bbrestfe\w*|\bbreastfead\w*|\bbreatfe\w*|"
        r"\b(?:pumping|expressing) (?:breast ?)?milk\b",
        # "if i nurse after the injections", "can i still nurse", "safe to nurse my son": the
        # verb with a baby or the treatment's timing, not "a nurse" or "nurse patients".
        r"\b(?:if|when|can|could|may|should|shall|will|do|while) i (?:still |safely |continue to |"
        r"keep |then |just )?nurse\b(?! (?:a |the |an |patients|people|others|at\b|in\b|for\b|"
        r"on\b|as\b|nights|shifts|him\b|her\b|them\b|my (?!(?:\w+ )?(?:baby|babies|infant|"
        r"newborn|little one|son|daughter|toddler|twins|\d+))))",
        r"\b(?:to|and) (?:still |safely |continue to |keep )?nurse (?:after|while|during|before|"
        r"my (?:baby|son|daughter|newborn|infant|little one)|the baby)\b",
        r"\bnurse (?:my|our|the|a) (?:\w+ )?(?:baby|infant|newborn|little one|son|daughter|"
        r"toddler|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[- ]"
        r"(?:week|month)[- ]old)\b",
        r"\bi (?:still |currently )?nurse\b(?= (?:my|our|the) (?:\w+ )?(?:baby|infant|newborn|"
        r"little one|son|daughter|toddler|\d+ (?:week|month)))",
    ]
)
_VACCINE = re.compile(
    r"\bvacc?in\w*|\bvaxx?\w*\b|\bimmuni[sz]ation\w*|\bimmuni[sz]ed\b|\bshingrix\b"
    r"|\b(?:flu|influenza|covid|covid-19|corona|shingles|zoster|tetanus|measles|mmr|hpv|"
    r"pneumo\w*|hepatitis|hep [ab]|travel|yellow fever|rabies|polio|bcg|rsv|typhoid|"
    r"whooping cough|pertussis) (?:jabs?|shots?|boosters?|injections?)\b"
)
# "do the needles hurt as much as a flu jab?" compares pain; it asks nothing about vaccines.
_COMPARISON = re.compile(
    r"(?:\bas (?:much |bad |painful |sore )?as|\bthan|\blike|\bcompared (?:to|with)|\bvs\.?|"
    r"\bversus) (?:a |an |the |my )?$"
)
_VACCINE_CONTEXT = re.compile(rf"{_TREATMENT}|\b(?:before or after|beforehand|afterwards)\b")
_ALCOHOL = re.compile(
    r"\balcohol\w*|\bbooze\b|\bwine\b|\bbeers?\b|\bpints?\b|\bprosecco\b|\bchampagne\b"
    r"|\bcocktails?\b|\bvodka\b|\bwhisk(?:e)?y\b|\bgin\b|\brum\b|\bdrunk\b|\bhangover\b"
    r"|\btipsy\b|\bspirits\b(?! (?:up|are|low|high))|\b(?:have|having|had) (?:a |some )?"
    r"(?:drinks?|glass(?:es)? of)\b|\bgo(?:ing)? (?:out )?drinking\b|\bdrinking\b(?! (?:water|"
    r"enough|fluids|plenty|lots of water))|\bcan i drink\b(?! (?:water|fluids|coffee|tea|juice))"
)

_RA_DRUG = (
    r"(?:methotrexate?|metotrexate|mtx|leflunomide|arava|sulfasalazine|sulphasalazine|"
    r"hydroxychloroquine|plaquenil|humira|adalimumab|enbrel|etanercept|rituximab|mabthera|"
    r"tocilizumab|actemra|infliximab|remicade|abatacept|orencia|jak inhibitors?|tofacitinib|"
    r"xeljanz|baricitinib|olumiant|upadacitinib|rinvoq|biologics?|dmards?|prednisone|"
    r"prednisolone|cortisone|steroids?)"
)
_OTHER_MEDICINE = (
    r"(?:ibuprofen|advil|nurofen|brufen|naproxen|aleve|diclofenac|voltaren|aspirin|"
    r"paracetamol|acetaminophen|tylenol|panadol|dafalgan|codeine|tramadol|oxycodone|"
    r"morphine|opioids?|celecoxib|nsaids?|metamizole|novalgin|painkillers?|pain killers?|"
    r"warfarin|marcoumar|xarelto|rivaroxaban|apixaban|eliquis|edoxaban|dabigatran|heparin|"
    r"clopidogrel|blood thinners?|anticoagulants?|antibiotics?|antidepressants?|sertraline|"
    r"insulin|metformin|statins?|antihistamines?|sleeping pills?|the pill|contracepti\w*|"
    r"birth control|hrt|hormone (?:therapy|replacement|pills?)|supplements?|vitamins?|"
    r"turmeric|curcumin|fish oil|omega[- ]?3|collagen|cbd|cannabis|marijuana|weed|"
    r"herbal \w+|herbs|st\.? john'?s wort|ginkgo|ginseng|echinacea|glucosamine|chondroitin|"
    r"magnesium|zinc|iron (?:tablets|supplements|pills)|probiotics?|homeopath\w*|boswellia|"
    r"green tea extract|melatonin)"
)
_ANY_MEDICINE = rf"(?:{_RA_DRUG}|{_OTHER_MEDICINE})"
_THE_TREATMENT = (
    r"(?:the (?:treatment|therapy|injections?|infusions?|procedure|shots|jabs|cells|stem cells?|"
    r"msc \w+)|stem ?cells?(?: (?:therapy|treatment|injections?))?|mscs?|cell therapy|"
    r"this (?:therapy|treatment)|the stem cell \w+)"
)
_COMBINE = (
    r"(?:combin\w*|mix\w*|together|alongside|along with|at the same time|interact\w*|"
    r"interfer\w*|clash\w*|same day|on top of)"
)
_MEDICINE_WITH_TREATMENT = _any(
    [
        rf"\b{_COMBINE}\b[^.?!]{{0,40}}\b{_ANY_MEDICINE}\b[^.?!]{{0,40}}\b{_THE_TREATMENT}\b",
        rf"\b{_COMBINE}\b[^.?!]{{0,40}}\b{_THE_TREATMENT}\b[^.?!]{{0,40}}\b{_ANY_MEDICINE}\b",
        rf"\b{_ANY_MEDICINE}\b[^.?!]{{0,40}}\b{_COMBINE}\b[^.?!]{{0,40}}\b{_THE_TREATMENT}\b",
        rf"\b{_THE_TREATMENT}\b[^.?!]{{0,40}}\b{_COMBINE}\b[^.?!]{{0,40}}\b{_ANY_MEDICINE}\b",
        rf"\b{_ANY_MEDICINE}\b[^.?!]{{0,40}}\b{_THE_TREATMENT}\b[^.?!]{{0,40}}\b{_COMBINE}\b",
        # "can I take ibuprofen after the injections", "on blood thinners ... the therapy"
        rf"\b(?:take|taking|takes|use|using|have|having|on|start|starting) (?:my |a |the |some )?"
        rf"{_OTHER_MEDICINE}\b[^.?!]{{0,40}}\b{_THE_TREATMENT}\b",
        rf"\b{_THE_TREATMENT}\b[^.?!]{{0,40}}\b(?:while|when|if) (?:i'?m |i am |(?:he|she)'?s |"
        rf"(?:he|she) is |still |also )*(?:on|taking|using) (?:my |a |the |some )?"
        rf"{_OTHER_MEDICINE}\b",
    ]
)

# Ceilings well above the usual adult maximum: a question about such a dose gets the
# "don't exceed the label" answer, not a dose.
_FAR_ABOVE_MG = {
    "paracetamol": 6000,
    "acetaminophen": 6000,
    "tylenol": 6000,
    "panadol": 6000,
    "dafalgan": 6000,
    "ibuprofen": 4000,
    "advil": 4000,
    "nurofen": 4000,
    "brufen": 4000,
    "aspirin": 6000,
    "naproxen": 2000,
    "aleve": 2000,
    "diclofenac": 300,
    "voltaren": 300,
    "tramadol": 600,
    "codeine": 400,
    "methotrexate": 50,
    "mtx": 50,
}
_FAR_ABOVE_TABLETS = 10
_DOSE_DRUG = "|".join(sorted(_FAR_ABOVE_MG, key=len, reverse=True))
_DOSE_MG = re.compile(
    rf"\b(\d[\d,.']*) ?(mg|milligrams?|g|grams?)\b(?: (?:of|worth of))?(?: (?:my|the))? "
    rf"({_DOSE_DRUG})\b|\b({_DOSE_DRUG})\b[^.?!\d]{{0,15}}\b(\d[\d,.']*) ?(mg|milligrams?|g|grams?)\b"
)
_NUMBER_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "a dozen": 12,
}  # fmt: skip
_DOSE_TABLETS = re.compile(
    r"\b(\d+|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a dozen) (?:(?:of )?(?:my |"
    r"the )?(?:tablets?|pills?|caps(?:ules)?) (?:of )?)?(?:" + _DOSE_DRUG + r"|painkillers?|pain "
    r"killers?)\b"
)
_DOSE_OVER_MAX = _any(
    [
        r"\b(?:more than|over|above|beyond|exceed\w*|double|twice|triple|three times) (?:the )?"
        r"(?:maximum|max|recommended|daily limit|limit|label|prescribed (?:dose|amount)|"
        r"highest dose)\b",
        r"\b(?:a |the )?(?:whole|entire|full) (?:box|pack|packet|bottle|strip|blister|tub)\b",
        r"\b(?:methotrexate|mtx)\b[^.?!]{0,20}\b(?:every day|daily|each day|twice a day)\b|"
        r"\b(?:daily|every day) (?:methotrexate|mtx)\b",
    ]
)
_ASKING_TO_TAKE = re.compile(
    r"\b(?:can|could|may|should|shall) i\b|\bis it (?:ok|okay|safe|fine|alright|dangerous|"
    r"bad)\b|\bwould it be\b|\bwhat if i\b|\bi (?:want|plan|am going|'?m going|will|'?ll|might|"
    r"need) to\b|\bhow about\b|\bthinking (?:of|about)\b|\bwhat happens if i\b"
)
# An overdose already taken is an emergency for red_flags (Tox Info 145), not this.
_ALREADY_TAKEN = re.compile(
    r"\b(?:took|taken|swallowed|overdosed|ingested|downed)\b|\b(?:i'?ve|i have|already|just) had\b"
)


def _excessive_dose(text: str) -> str | None:
    if not _ASKING_TO_TAKE.search(text) or _ALREADY_TAKEN.search(text):
        return None
    for match in _DOSE_MG.finditer(text):
        amount, unit, drug = match.group(1, 2, 3) if match.group(1) else match.group(5, 6, 4)
        try:
            value = float(amount.replace(",", "").replace("'", ""))
        except ValueError:
            continue
        milligrams = value * 1000 if unit.startswith("g") else value
        if milligrams >= _FAR_ABOVE_MG[drug]:
            return match.group(0)
    for match in _DOSE_TABLETS.finditer(text):
        count = match.group(1)
        number = int(count) if count.isdigit() else _NUMBER_WORDS.get(count, 0)
        if number >= _FAR_ABOVE_TABLETS:
            return match.group(0)
    over = _DOSE_OVER_MAX.search(text)
    if over and re.search(rf"\b{_ANY_MEDICINE}|\b(?:dose|tablets?|pills?|medicines?|meds)\b", text):
        return over.group(0)
    return None


# "I'm not pregnant and not breastfeeding, anything else?" rules the group out.
_NEGATED = re.compile(r"\b(?:not|no|never|nor|neither|n't)\s+(?:\w+\s+)?$|n't\s+(?:\w+\s+)?$")


def _unnegated(pattern: re.Pattern[str], text: str) -> str | None:
    for match in pattern.finditer(text):
        if not _NEGATED.search(text[max(0, match.start() - 20) : match.start()]):
            return match.group(0)
    return None


def _pregnancy(text: str) -> str | None:
    return _unnegated(_PREGNANCY, text)


def _breastfeeding(text: str) -> str | None:
    return _unnegated(_BREASTFEEDING, text)


def _vaccines(text: str) -> str | None:
    if not _VACCINE_CONTEXT.search(text):
        return None
    for match in _VACCINE.finditer(text):
        if not _COMPARISON.search(text[max(0, match.start() - 25) : match.start()]):
            return match.group(0)
    return None


def _alcohol(text: str) -> str | None:
    # "red wine out of a carpet" or "wine with my methotrexate" is not about the treatment.
    return _found(_ALCOHOL, text) if _about_treatment(text) else None


# "can I keep taking naproxen around the treatment?" is the medication FAQ (keep, stop,
# pause); only a combination or interaction question is a special group.
_KEEP_OR_STOP = re.compile(
    r"\b(?:keep|keeps|continue|carry on|stop|stopping|pause|skip|quit|come off|still take|"
    r"stay on|drop)\b"
)
_COMBINE_RE = re.compile(rf"\b{_COMBINE}\b")


def _medicines(text: str) -> str | None:
    combined = _found(_MEDICINE_WITH_TREATMENT, text)
    if combined and (_COMBINE_RE.search(text) or not _KEEP_OR_STOP.search(text)):
        return combined
    return _excessive_dose(text)


# Precedence (the brief): who is writing and for whom decides the answer before any
# correction of a claim, and a claim to correct before a special group.
_DETECTORS: tuple[tuple[ConcernKind, Callable[[str], str | None]], ...] = (
    (ConcernKind.MINOR, _under_18),
    (ConcernKind.PAEDIATRIC, _paediatric),
    (ConcernKind.NO_ACCESS_STAFF_CLAIM, _staff_claim),
    (ConcernKind.ERASURE_OWN_ONLY, _erasure_of_others),
    (ConcernKind.CONSENT_OF_PERSON, _consent_of_person),
    (ConcernKind.FINANCIAL_DISTRESS, _financial_distress),
    (ConcernKind.CORRECTION_REVERSAL, _reversal),
    (ConcernKind.CORRECTION_NUMBERS, _numbers),
    (ConcernKind.CORRECTION_GUARANTEE, _guarantee),
    (ConcernKind.CORRECTION_OWN_CELLS, _own_cells),
    (ConcernKind.CORRECTION_PROMISE, _promise),
    (ConcernKind.SPECIAL_GROUP_PREGNANCY, _pregnancy),
    (ConcernKind.SPECIAL_GROUP_BREASTFEEDING, _breastfeeding),
    (ConcernKind.SPECIAL_GROUP_VACCINES, _vaccines),
    (ConcernKind.SPECIAL_GROUP_ALCOHOL, _alcohol),
    (ConcernKind.SPECIAL_GROUP_MEDICINES, _medicines),
)


def detect_concern(text: str) -> Concern | None:
    """The concern ``text`` raises that comes first by precedence, or ``None``.

    Precedence: minor > paediatric > staff claim > erasure of others' data > consent of
    the person > financial distress > corrections > special groups.
    """
    lowered = _normalise(text)
    if not lowered:
        return None
    for kind, detect in _DETECTORS:
        matched = detect(lowered)
        if matched:
            return Concern(kind=kind, matched=matched)
    return None
