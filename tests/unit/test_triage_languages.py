"""The safety net in German, French, Italian and Spanish: every category is caught as
people write in distress, plain questions and negations are not, and the guidance is
sent in the language of the message (its response exists in data/responses)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety.triage.engine import Finding, triage
from bot.safety.triage.ruleset import load_categories

RESPONSES_DIR = Path(__file__).resolve().parents[2] / "data" / "responses"

EMERGENCY = "emergency"
POISON = "poison"
CRISIS = "crisis"
URGENT = "urgent"

# (message, level, category) per language: one case or more for every category. A threat
# to kill the writer is violence, not a suicidal statement.
CASES: dict[str, list[tuple[str, str, str]]] = {
    "de": [
        ("Ich hab seit einer halben Stunde so ein Stechen in der Brust", EMERGENCY, "chest_pain"),
        (
            "es drückt mir extrem auf die Brust und strahlt in den linken Arm",
            EMERGENCY,
            "chest_pain",
        ),
        ("hilfe ich krieg kaum noch luft", EMERGENCY, "breathing"),
        ("ich kann seit der Spritze fast nicht mehr atmen", EMERGENCY, "breathing"),
        ("Meine Mutter lallt plötzlich und ihr Mundwinkel hängt", EMERGENCY, "stroke"),
        ("sein rechter Arm ist plötzlich ganz schlaff", EMERGENCY, "stroke"),
        ("Meine Lippen und die Zunge schwellen an, der Hals wird eng", EMERGENCY, "anaphylaxis"),
        ("Die Einstichstelle blutet stark und es hört einfach nicht auf", EMERGENCY, "bleeding"),
        ("Mein Vater ist zusammengebrochen und nicht ansprechbar", EMERGENCY, "unconscious"),
        ("39,4 Fieber, Schüttelfrost und ich bin total benommen", EMERGENCY, "sepsis"),
        ("Fieber und das gespritzte Knie ist dick und heiss", EMERGENCY, "sepsis"),
        ("Blutzucker 2,6 und er ist ganz durcheinander", EMERGENCY, "diabetic_emergency"),
        ("Mein Bauch ist steinhart und tut höllisch weh", EMERGENCY, "acute_abdomen"),
        (
            "bin im Bad ausgerutscht, mit dem Kopf aufgeschlagen und nehme Eliquis",
            EMERGENCY,
            "head_injury",
        ),
        (
            "Ganz plötzlich die heftigsten Kopfschmerzen, die ich je hatte",
            EMERGENCY,
            "sudden_headache",
        ),
        ("Ich habe vorhin alle meine Schlaftabletten geschluckt", EMERGENCY, "self_harm_act"),
        ("Unser Kleiner (2) hat Geschirrspültabs gegessen", POISON, "poisoning"),
        ("Ich habe aus Versehen 3 Tage hintereinander Methotrexat genommen", POISON, "poisoning"),
        ("Ich will einfach nicht mehr leben", CRISIS, "suicidal"),
        ("ich kann nicht mehr, ich will nicht mehr", CRISIS, "suicidal"),
        ("Ich denke oft daran, mich umzubringen", CRISIS, "suicidal"),
        (
            "Nach jedem Essen bringe ich mich zum Erbrechen, ich bin zu fett",
            CRISIS,
            "eating_disorder",
        ),
        ("Mein Freund hat mich gestern wieder geschlagen", CRISIS, "violence"),
        ("Mein Mann hat gedroht, mich umzubringen", CRISIS, "violence"),
        (
            "Ich pflege meine Mutter und habe Angst, dass ich ihr etwas antue",
            CRISIS,
            "harm_to_others",
        ),
        ("Ich habe Fieber und spritze Humira", URGENT, "fever_immunosuppressed"),
        (
            "Die Injektionsstelle am Knie ist rot und warm, sonst geht es mir gut",
            URGENT,
            "injection_site",
        ),
        ("40,3 Grad Fieber", URGENT, "infection_signs"),
    ],
    "fr": [
        ("j'ai une douleur qui serre dans la poitrine depuis ce matin", EMERGENCY, "chest_pain"),
        ("jai tres mal a la poitrine et au bras gauche", EMERGENCY, "chest_pain"),
        ("j'arrive presque plus a respirer", EMERGENCY, "breathing"),
        ("je manque d'air depuis l'injection", EMERGENCY, "breathing"),
        ("mon mari a le visage paralysé d'un côté", EMERGENCY, "stroke"),
        ("ma mere n'arrive plus a parler depuis 10 minutes", EMERGENCY, "stroke"),
        ("ma langue gonfle et j'ai la gorge qui se ferme", EMERGENCY, "anaphylaxis"),
        ("ça saigne énormément au point d'injection", EMERGENCY, "bleeding"),
        ("mon père s'est effondré et il ne réagit plus", EMERGENCY, "unconscious"),
        ("39,5 de fièvre avec des frissons, je tiens plus debout", EMERGENCY, "sepsis"),
        ("de la fievre et le genou injecte est rouge et brulant", EMERGENCY, "sepsis"),
        ("glycémie à 2,4 et elle est toute confuse", EMERGENCY, "diabetic_emergency"),
        ("j'ai le ventre dur comme une planche", EMERGENCY, "acute_abdomen"),
        (
            "je suis tombée, j'ai cogné la tête et je prends un anticoagulant",
            EMERGENCY,
            "head_injury",
        ),
        ("un mal de tête d'un coup, comme un coup de massue", EMERGENCY, "sudden_headache"),
        ("j'ai avalé toute ma boîte de cachets", EMERGENCY, "self_harm_act"),
        ("ma fille de 2 ans a avalé une capsule de lessive", POISON, "poisoning"),
        (
            "j'ai pris le méthotrexate chaque jour au lieu d'une fois par semaine",
            POISON,
            "poisoning",
        ),
        ("j'ai envie d'en finir avec la vie", CRISIS, "suicidal"),
        ("je ne veux plus vivre", CRISIS, "suicidal"),
        ("je me fais vomir après chaque repas pour maigrir", CRISIS, "eating_disorder"),
        ("mon conjoint me menace et me frappe", CRISIS, "violence"),
        ("mon ex veut me tuer", CRISIS, "violence"),
        ("j'ai peur de lui faire du mal, je suis à bout", CRISIS, "harm_to_others"),
        ("je suis sous rituximab et j'ai de la fièvre", URGENT, "fever_immunosuppressed"),
        ("le point d'injection est rouge et chaud", URGENT, "injection_site"),
        ("fièvre et frissons depuis hier", URGENT, "infection_signs"),
    ],
    "it": [
        ("ho una stretta al petto fortissima", EMERGENCY, "chest_pain"),
        ("mi fa un male cane il petto e sudo freddo", EMERGENCY, "chest_pain"),
        ("non riesco piu a respirare bene", EMERGENCY, "breathing"),
        ("mi manca il fiato da stamattina", EMERGENCY, "breathing"),
        ("mia madre ha la bocca storta e parla in modo strano", EMERGENCY, "stroke"),
        ("mio marito non riesce a muovere il braccio", EMERGENCY, "stroke"),
        ("mi si sta chiudendo la gola e ho le labbra gonfie", EMERGENCY, "anaphylaxis"),
        ("sanguino tantissimo e non si ferma", EMERGENCY, "bleeding"),
        ("mio padre ha perso i sensi e non risponde", EMERGENCY, "unconscious"),
        ("ho la febbre alta e i brividi da quando ho fatto l'infiltrazione", EMERGENCY, "sepsis"),
        ("febbre e mi sento svenire", EMERGENCY, "sepsis"),
        ("glicemia 45 e lui e tutto confuso", EMERGENCY, "diabetic_emergency"),
        ("dolore lancinante alla pancia, sono piegata in due", EMERGENCY, "acute_abdomen"),
        ("ho battuto la testa e prendo il Sintrom", EMERGENCY, "head_injury"),
        ("all'improvviso il peggior mal di testa della mia vita", EMERGENCY, "sudden_headache"),
        ("ho ingoiato tutte le pastiglie di sonnifero", EMERGENCY, "self_harm_act"),
        ("mio figlio di 3 anni ha bevuto del detersivo", POISON, "poisoning"),
        ("ho preso per errore 10 compresse di metotrexato", POISON, "poisoning"),
        ("non ce la faccio piu a vivere cosi", CRISIS, "suicidal"),
        ("vorrei farla finita", CRISIS, "suicidal"),
        ("mi faccio vomitare apposta dopo mangiato", CRISIS, "eating_disorder"),
        ("il mio compagno mi picchia", CRISIS, "violence"),
        ("mio marito mi vuole ammazzare", CRISIS, "violence"),
        (
            "ho paura di fargli del male, non ce la faccio piu ad assisterlo",
            CRISIS,
            "harm_to_others",
        ),
        ("ho la febbre e prendo il Rinvoq", URGENT, "fever_immunosuppressed"),
        ("il punto dell'iniezione e rosso e caldo", URGENT, "injection_site"),
        ("febbre 40,2", URGENT, "infection_signs"),
    ],
    "es": [
        ("siento una presion horrible en el pecho", EMERGENCY, "chest_pain"),
        ("me duele muchisimo el pecho y se me va al brazo izquierdo", EMERGENCY, "chest_pain"),
        ("no puedo respirar bien desde la inyeccion", EMERGENCY, "breathing"),
        ("me cuesta muchisimo respirar", EMERGENCY, "breathing"),
        ("mi padre tiene la boca torcida y no puede hablar", EMERGENCY, "stroke"),
        ("tengo el brazo izquierdo paralizado de repente", EMERGENCY, "stroke"),
        ("se me esta hinchando la lengua y la garganta", EMERGENCY, "anaphylaxis"),
        ("no para de salir sangre de la herida", EMERGENCY, "bleeding"),
        ("mi madre perdio el conocimiento y no reacciona", EMERGENCY, "unconscious"),
        ("tengo 39,5 de fiebre, escalofrios y me siento fatal", EMERGENCY, "sepsis"),
        ("fiebre y la rodilla inyectada esta roja y caliente", EMERGENCY, "sepsis"),
        ("azucar 2,5 y esta muy confundido", EMERGENCY, "diabetic_emergency"),
        ("tengo un dolor insoportable en la barriga", EMERGENCY, "acute_abdomen"),
        ("me cai, me golpee la cabeza y tomo Sintrom", EMERGENCY, "head_injury"),
        ("de repente el peor dolor de cabeza de mi vida", EMERGENCY, "sudden_headache"),
        ("me he tomado todas mis pastillas para dormir", EMERGENCY, "self_harm_act"),
        ("mi nieto de 2 anos se ha tragado unas pastillas", POISON, "poisoning"),
        ("tomo el metotrexato todos los dias en vez de una vez a la semana", POISON, "poisoning"),
        ("quiero morirme", CRISIS, "suicidal"),
        ("no quiero seguir viviendo asi", CRISIS, "suicidal"),
        ("me provoco el vomito despues de comer para no engordar", CRISIS, "eating_disorder"),
        ("mi marido me pega cuando bebe", CRISIS, "violence"),
        ("mi pareja amenaza con matarme", CRISIS, "violence"),
        ("tengo miedo de hacerle dano a mi padre, ya no aguanto", CRISIS, "harm_to_others"),
        ("tengo fiebre y estoy con prednisona", URGENT, "fever_immunosuppressed"),
        ("la zona de la inyeccion esta roja y caliente", URGENT, "injection_site"),
        ("fiebre de 40,1", URGENT, "infection_signs"),
    ],
}

# Plain questions, negations, history: routine in every language.
ROUTINE: dict[str, list[str]] = {
    "de": [
        "Was kostet die Behandlung?",
        "Kann die Stammzelltherapie Fieber verursachen?",
        "Ich habe kein Fieber, nur steife Finger",
        "Kann die Spritze Atemnot auslösen?",
        "Was passiert, wenn ich nach der Injektion Schüttelfrost bekomme?",
        "Ist es normal, dass das Knie nach der Spritze etwas warm ist?",
        "Mein Vater hatte vor 5 Jahren einen Schlaganfall, geht die Therapie trotzdem?",
        "Keine Brustschmerzen, keine Atemnot, alles gut.",
        "Welche Nebenwirkungen hat die Behandlung?",
        "Wie viel Blut wird für die Zellen abgenommen?",
        "Ich nehme Methotrexat einmal pro Woche, ist das ein Problem?",
        "Meine Hände sind morgens geschwollen und steif",
    ],
    "fr": [
        "Quels sont les effets secondaires?",
        "Est-ce que l'injection peut provoquer des douleurs thoraciques ?",
        "mon pere a eu un AVC il y a 5 ans",
        "Combien coûte le traitement ?",
        "Je n'ai pas de fièvre, juste les mains raides",
        "Et si j'ai de la fièvre après l'injection ?",
        "Que faire si le genou devient rouge après la piqûre ?",
        "Est-ce normal d'avoir le genou un peu chaud après l'injection ?",
        "Pas de douleur à la poitrine et pas de frissons.",
        "Le traitement peut-il causer des saignements ?",
        "Combien de temps dure la thérapie ?",
    ],
    "it": [
        "Quanto costa il trattamento?",
        "Il trattamento puo causare febbre?",
        "L'iniezione puo provocare dolore al petto?",
        "Cosa succede se mi viene la febbre dopo l'infiltrazione?",
        "E se ho i brividi dopo la puntura?",
        "Non ho febbre e non ho dolori al petto",
        "Mio padre ha avuto un ictus 5 anni fa, posso fare la terapia?",
        "Quali sono gli effetti collaterali?",
        "E normale avere il ginocchio gonfio dopo l'iniezione?",
        "C'e rischio di emorragia?",
        "Prendo il metotrexato una volta alla settimana, va bene?",
    ],
    "es": [
        "¿Cuánto cuesta el tratamiento?",
        "Puede causar fiebre la inyeccion?",
        "No tengo fiebre",
        "¿La inyección puede provocar dolor en el pecho?",
        "¿Qué pasa si me da fiebre después de la inyección?",
        "¿Es normal tener la rodilla hinchada después de la infiltración?",
        "Mi madre tuvo un derrame cerebral hace 6 años, ¿puedo hacer el tratamiento?",
        "¿Cuáles son los efectos secundarios?",
        "No me duele el pecho y respiro bien",
        "Tomo metotrexato una vez a la semana, ¿es compatible?",
        "Tengo hipo desde esta mañana",
    ],
}

LANGUAGE_CASES = [(code, *case) for code, cases in CASES.items() for case in cases]
ROUTINE_CASES = [(code, message) for code, messages in ROUTINE.items() for message in messages]


def _responses() -> set[str]:
    names: set[str] = set()
    for path in sorted(RESPONSES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names |= set(data.get("responses") or {})
    return names


def _finding(message: str) -> Finding:
    finding = triage(message)
    assert finding is not None, message
    return finding


@pytest.mark.parametrize(("code", "message", "level", "category"), LANGUAGE_CASES)
def test_red_flags_are_caught_in_their_language(
    code: str, message: str, level: str, category: str
) -> None:
    finding = _finding(message)
    assert (finding.level.value, finding.category, finding.language) == (level, category, code), (
        message,
        finding,
    )


@pytest.mark.parametrize("code", sorted(CASES))
def test_every_category_has_a_case_in_each_language(code: str) -> None:
    categories = load_categories()
    covered = {category for _, _, category in CASES[code]}
    assert covered == set(categories), sorted(set(categories) - covered)
    for _, level, category in CASES[code]:
        assert categories[category].level.value == level, category


@pytest.mark.parametrize(("code", "message"), ROUTINE_CASES)
def test_plain_questions_negations_and_history_are_routine(code: str, message: str) -> None:
    assert triage(message) is None, (code, message, triage(message))


@pytest.mark.parametrize("code", sorted(ROUTINE))
def test_each_language_has_ten_routine_cases_or_more(code: str) -> None:
    assert len(ROUTINE[code]) >= 10


def test_every_guidance_sent_in_these_languages_exists() -> None:
    responses = _responses()
    for code, message, _, _ in LANGUAGE_CASES:
        finding = _finding(message)
        assert finding.response == f"{finding.guidance}_{code}", message
        assert finding.response in responses, (message, finding.response)


@pytest.mark.parametrize(
    "message",
    [
        "I can't breathe",
        "my chest hurts and I'm sweating",
        "I want to die",
        "my son swallowed my pills",
        "I have a fever of 38.5 and I'm on methotrexate",
    ],
)
def test_english_messages_still_get_english_guidance(message: str) -> None:
    assert _finding(message).language == "en"
