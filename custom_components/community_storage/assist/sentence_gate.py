"""The Assist sentence files: a cheap gate that only decides "this sentence is probably ours".

Home Assistant's built-in agent matches sentence templates (hassil). Templates that enumerate word
orders explode combinatorially, so ours do not try to understand anything: each block names the
words that must occur (``required_keywords``, a set lookup that skips the block for every other
sentence) and one template with wildcards that needs one more cue word. The whole sentence then
goes to ``language.understand.understanding.understand``, which reads intent, days, kWh and price
itself. Weekday names and counts come from the lexicon (``language.understand.lexicon``).

Three blocks per language, each tuned so Home Assistant's own commands stay Home Assistant's:

* unambiguous words ("kWh", "Speicherhandel") are enough on their own;
* topic words that also name devices ("battery", "storage", "Akku") need a trade or date cue,
  so "turn off the lights in the storage room" and "how full is my battery" are not ours;
* being away or an extra load ("holiday", "renovating", "Urlaub") needs a date or duration cue,
  so "play some holiday music" is not ours.

A fourth block takes short answers to our follow-up question ("five days", "bis Sonntag"), and
a last one the bare yes or no to "Shall I reserve from Wednesday?" (whole sentences only, so
"ok, turn on the light" stays Home Assistant's).

Sentences that name neither storage nor a trade reach us through the situation block: an empty
home ("The flat is empty until Sunday"), time off said by what is done ("Wir gehen bis Sonntag
wandern") or keeping solar power ("Keep my solar for the evenings this weekend"), each only with
a date or duration word, so that an area called "Flat" or "Wohnung" in a command stays Home
Assistant's. (Handing a sentence over after Home Assistant has failed on it would need a hook
into the built-in agent that neither supported release offers.)
``render`` builds the YAML document; ``script/sentences`` writes it and a test keeps the files in
step with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ..language.understand.lexicon import COUNTS_WRITTEN, WEEKDAYS_WRITTEN

INTENT_UTTERANCE: Final = "CommunityStorageUtterance"


@dataclass(frozen=True, slots=True)
class GateWords:
    """One language's gate vocabulary."""

    standalone: tuple[str, ...]
    topic: tuple[str, ...]
    cues: tuple[str, ...]
    situations: tuple[str, ...]
    when: tuple[str, ...]
    counts: tuple[str, ...]
    duration_units: tuple[str, ...]
    answer_prefixes: tuple[str, ...]
    weekdays: tuple[str, ...]
    until: tuple[str, ...]
    # Status questions that need no topic word ("What's booked on Friday?").
    status: tuple[str, ...]
    # "We're going on holiday" (no date yet: the agent asks back).
    travel_verbs: tuple[str, ...]
    travel: tuple[str, ...]
    # Beginnings of compounds that are ours on their own ("Speicherpreise").
    compound_stems: tuple[str, ...] = ()
    # "Did anything sell?": a question word, then a sale word.
    sold_questions: tuple[str, ...] = ()
    sold_words: tuple[str, ...] = ()
    # Whole-sentence answers to a yes/no question we asked.
    yes_no: tuple[str, ...] = ()
    # Being absent said without a travel word ("Wir sind am Wochenende nicht da"), each only
    # with a date or duration word: the phrases, and the words one of which must occur.
    absence: tuple[str, ...] = ()
    absence_words: tuple[str, ...] = ()


_DIGITS: Final = tuple(str(n) for n in range(1, 31))
# A trip said by where to ("to the coast", "an die Ostsee", "zu Oma") and someone coming to stay
# ("Mein Sohn kommt übers Wochenende"): situations with a date. In German also after a travel
# verb without one ("Wir fahren ans Meer"); not in English, whose travel verbs include "off"
# ("turn off the island light", "... in my son's room" stay Home Assistant's). Places that name
# areas ("cottage", "Ferienwohnung") are left out, people are those who are not "we".
_EN_PLACES: Final = (
    "seaside", "coast", "beach", "sea", "mountains", "hills", "lake", "countryside", "island",
)  # fmt: skip
_EN_PEOPLE: Final = (
    "son", "daughter", "kids", "children", "grandkids", "grandchildren", "mum", "mom", "mother",
    "dad", "father", "sister", "brother", "aunt", "uncle", "cousin", "cousins", "grandma",
    "grandpa", "granny", "grandparents", "nan", "family", "folks",
)  # fmt: skip
_DE_PLACES: Final = (
    "meer", "ostsee", "nordsee", "küste", "strand", "berge", "bergen", "alpen", "see", "insel",
)  # fmt: skip
_DE_PEOPLE: Final = (
    "sohn", "tochter", "kinder", "enkel", "enkelkinder", "mutter", "mama", "vater", "papa",
    "schwester", "bruder", "tante", "onkel", "oma", "opa", "großeltern", "familie",
    "schwiegermutter", "schwiegervater", "freunde", "freund", "freundin",
)  # fmt: skip

EN: Final = GateWords(
    standalone=("kwh", "kWh", "kilowatt", "kilowatts", "earnings"),
    topic=(
        "storage", "battery", "batteries", "capacity", "market", "reservation", "reservations",
        "booking", "bookings", "orders", "order", "offer", "offers", "trading",
    ),
    cues=(
        "sell", "sold", "selling", "sale", "offer", "offered", "offering", "buy", "bought",
        "book", "booked", "reserve", "reserved", "reservation", "need", "needed", "want",
        "rent", "lend", "share", "trade", "trading", "market", "earn", "earned", "made",
        "cost", "costs", "price", "prices", "cancel", "withdraw", "stop", "status", "going",
        "doing", "holiday", "vacation", "away", "trip", "renovating", "renovation", "guests",
        "tomorrow", "today", "week", "weekend", "days", "until", "evening", "evenings", "night",
        "nights", "spare", "extra", "put", "free", "neighbours", "neighbors", "use", "using",
        "orders", "confirmed", "news", "grabs", "community", "scrap", "scratch", "strike",
        "forget",
        *WEEKDAYS_WRITTEN["en"], "fortnight", "tonight", "cents", "cent", "euro", "eur", "get",
        "keep", "show", "looking", "reserved", "booked", "money",
    ),
    situations=(
        "holiday", "holidays", "vacation", "trip", "away", "travelling", "traveling", "leaving",
        "abroad", "gone", "off", "flying", "skiing", "renovating", "renovation", "renovations",
        "redecorating", "guests",
        "visitors", "party", "home", "office", "business",
        "empty", "solar", "hiking", "cruise", "wedding", "sailing", "camping", "nobody",
        "parents", "in-laws", "inlaws", "friends", "relatives",
        # Issue 17, fourth round: where the household goes, who comes to stay, painting.
        *_EN_PLACES, *_EN_PEOPLE, *(f"{who}'s" for who in _EN_PEOPLE), "hosting", "painting",
        "repainting", "wallpapering", "plastering", "retiling", "retiled", "tiling",
    ),
    when=(
        "tomorrow", "week", "weeks", "weekend", "fortnight", "days", "nights",
        *WEEKDAYS_WRITTEN["en"], "until", "till", "evenings", "mornings",
    ),
    counts=(
        *_DIGITS, *COUNTS_WRITTEN["en"], "a", "a few", "a couple of",
    ),
    duration_units=("day", "days", "week", "weeks", "night", "nights", "evening", "evenings",
                    "morning", "mornings"),
    answer_prefixes=("for", "about", "the next", "for the next", "just", "only", "make it"),
    weekdays=WEEKDAYS_WRITTEN["en"],
    until=("until", "till", "through", "to"),
    status=("reserved", "booked", "earn", "earned", "spend", "spent", "sold", "clearing"),
    travel_verbs=("going", "go", "be", "are", "re", "leaving", "off", "gone", "flying", "heading"),
    travel=("holiday", "holidays", "vacation", "trip", "travelling", "traveling", "away",
            "abroad", "skiing"),
    sold_questions=("did", "has", "have", "was", "were", "is"),
    # "How much did I make this week?": "make" only after a question word.
    sold_words=("sell", "sold", "bought", "make"),
    yes_no=("yes", "yes please", "yeah", "yep", "sure", "ok", "okay", "go ahead", "do it",
            "yes do it", "no", "no thanks", "no thank you", "nope"),
)  # fmt: skip

DE: Final = GateWords(
    standalone=(
        "kwh", "kWh", "kilowattstunden", "kilowattstunde", "speicherhandel", "speichermarkt",
        "speicherkapazität", "speicherkapazitäten", "batteriespeicher", "speicheraufträge",
        "speicherauftrag", "speicherreservierung", "speicherbuchung", "speicherbuchungen",
        "speicherangebot", "speicherangebote", "speicherpreis", "speicherkauf",
        "akkukapazität", "batterieangebot", "speicher-einnahmen", "verkaufsauftrag",
        "clearingpreis", "marktstatus", "verreisen",
        # Cancelling a booking; Home Assistant's timers are "beendet" or "gelöscht".
        "stornier", "storniere", "stornieren",
    ),
    topic=(
        "speicher", "akku", "akkus", "batterie", "batterien", "hausakku", "heimspeicher",
        "hausspeicher", "stromspeicher", "kapazität", "markt", "handel", "aufträge", "auftrag",
        "reservierung", "buchung", "angebot", "angebote", "einnahmen", "reservierungen",
        "buchungen",
    ),
    cues=(
        "verkaufen", "verkauf", "verkaufe", "verkauft", "anbieten", "biete", "bieten",
        "angeboten", "kaufen", "kaufe", "gekauft", "buchen", "buche", "gebucht",
        "reservieren", "reserviere", "reservier", "reserviert", "brauche", "brauchen",
        "braucht", "bräuchte", "bräuchten", "benötige", "benötigen", "mieten", "vermieten",
        "verleihen", "teilen", "teil", "handel", "markt", "verdient", "verdienen", "eingenommen",
        "kostet", "kosten", "preis", "stornieren", "storniere", "storno", "zurück", "status",
        "läuft", "steht", "urlaub", "weg", "verreist", "renoviere", "renovieren", "gäste",
        "besuch", "morgen", "übermorgen", "heute", "woche", "wochen", "wochenende", "tage",
        "tag", "bis", "ab", "abends", "nachts", "frei", "übrig", "zusätzlich", "extra",
        "nachbarn", "nutzen", *WEEKDAYS_WRITTEN["de"], "cent", "euro", "holen", "entbehren",
        "stell", "stelle",
        "gemeinschaft", "verkaufs", "einnahmen", "neues", "bestätigt", "vergiss", "entferne",
        "streichen", "streiche", "buch", "kauf", "zeig", "zeige", "laufen", "ausgegeben",
        "eingebracht", "verkaufs", "brauch", "bräucht", "besorg", "besorge", "hol", "hole",
        "lösch", "lösche", "löschen", "zurückziehen", "zurückziehe", "zurücknehmen",
        "läuft's", "läufts", "gebracht", "stornier", "streich",
    ),
    situations=(
        "urlaub", "verreist", "verreisen", "weg", "unterwegs", "reise", "dienstreise",
        "geschäftsreise", "renoviere", "renovieren", "renovierung", "gäste", "besuch",
        "homeoffice", "ferien", "fliegen", "verreisen",
        "leer", "keiner", "niemand", "montage", "solarstrom", "sonnenstrom", "wandern",
        "skifahren", "kur", "reha",
        "städtereise", "kurztrip", "ausflug", "radtour", "zelten", "campen", "camping",
        "segeln", "hochzeit", "kreuzfahrt", "wanderurlaub", "skiurlaub", "wochenendtrip",
        "eltern", "schwiegereltern", "freunden", "verwandten",
        # Issue 17, vierte Runde: wohin es geht, wer zu Besuch kommt, streichen (malen).
        *_DE_PLACES, *_DE_PEOPLE, "streich", "streichen", "streiche", "gestrichen", "tapezieren",
        "tapeziere",
    ),
    when=(
        "morgen", "übermorgen", "woche", "wochen", "wochenende", "tage", "tagen", "nächte",
        *WEEKDAYS_WRITTEN["de"], "bis", "ab", "abende", "abenden",
    ),
    counts=(
        *_DIGITS, *COUNTS_WRITTEN["de"], "ein", "eine", "ein paar",
    ),
    duration_units=("tag", "tage", "woche", "wochen", "nacht", "nächte", "abend", "abende",
                    "vormittage"),
    answer_prefixes=("für", "ungefähr", "etwa", "die nächsten", "für die nächsten", "nur"),
    weekdays=WEEKDAYS_WRITTEN["de"],
    until=("bis", "bis einschließlich", "bis zum"),
    status=("gebucht", "reserviert", "verdient", "verkauft", "ausgegeben", "eingebracht",
            "eingenommen", "clearingpreis"),
    travel_verbs=("fahren", "fliegen", "sind", "gehen", "bin", "reisen", "ziehen"),
    travel=("urlaub", "verreist", "weg", "ski", "skifahren", "reise", "ferien", "verreisen",
            *_DE_PLACES, *_DE_PEOPLE),
    compound_stems=(
        "speicherpreis", "speichermarkt", "speicherhandel", "speicherauftr", "speicherreserv",
        "speicherbuchung", "speicherangebot", "speicherverkauf", "speicherkauf",
        "speicherkapazit", "batteriespeicher", "batteriekapazit", "akkukapazit",
        "speichereinnahm", "batterieverk", "akkuverk",
    ),
    sold_questions=("hat", "wurde", "wurden", "ist", "sind"),
    sold_words=("verkauft", "gekauft"),
    yes_no=("ja", "ja bitte", "ja gerne", "gerne", "klar", "mach das", "ja mach das", "nein",
            "nein danke", "lieber nicht"),
    absence=("nicht da", "nicht hier", "nicht zuhause", "nicht zu hause", "nicht daheim"),
    absence_words=("da", "hier", "zuhause", "hause", "daheim"),
)  # fmt: skip

LANGUAGES: Final[dict[str, GateWords]] = {"en": EN, "de": DE}


def _variants(words: tuple[str, ...]) -> list[str]:
    """``required_keywords`` compares tokens case-sensitively: give each word's three cases."""
    out: list[str] = []
    for word in words:
        for variant in (word, word.capitalize(), word.upper()):
            if variant not in out:
                out.append(variant)
    return out


def _alternatives(words: tuple[str, ...]) -> str:
    return "(" + "|".join(words) + ")"


def render(language: str) -> dict[str, Any]:
    """The sentence file for one language, as the YAML document's data."""
    words = LANGUAGES[language]
    no_regex = {"filter_with_regex": False}
    topic = _alternatives(words.topic)
    cues = _alternatives(words.cues)
    answers = (
        f"[{_alternatives(words.answer_prefixes)}] {_alternatives(words.counts)} "
        f"{_alternatives(words.duration_units)}",
        f"{_alternatives(words.until)} {_alternatives(words.weekdays)}",
    )
    return {
        "language": language,
        "intents": {
            INTENT_UTTERANCE: {
                "data": [
                    {
                        "sentences": ["{cs_text}"],
                        "required_keywords": _variants(words.standalone),
                    },
                    {
                        "sentences": [
                            # No space after the topic: it may begin a compound
                            # ("Speicherpreise", "Batterieverkäufe").
                            f"[{{cs_head}}] {topic}[{{cs_mid}}] {cues} [{{cs_tail}}]",
                            f"[{{cs_head}}] {cues} [{{cs_mid}}] {topic}[{{cs_tail}}]",
                        ],
                        "settings": no_regex,
                    },
                    {
                        "sentences": [f"[{{cs_head}}] {_alternatives(words.when)} [{{cs_tail}}]"],
                        "required_keywords": _variants(words.situations),
                        "settings": no_regex,
                    },
                    {
                        "sentences": [f"[{{cs_head}}] {_alternatives(words.status)} [{{cs_tail}}]"],
                        "required_keywords": _variants(words.status),
                        "settings": no_regex,
                    },
                    {
                        "sentences": [
                            f"[{{cs_head}}] {_alternatives(words.travel_verbs)} [{{cs_mid}}] "
                            f"{_alternatives(words.travel)} [{{cs_tail}}]"
                        ],
                        "required_keywords": _variants(words.travel),
                        "settings": no_regex,
                    },
                    *(
                        [
                            {
                                "sentences": [
                                    f"[{{cs_head}}] {_alternatives(words.compound_stems)}"
                                    "[{cs_tail}]"
                                ],
                                "settings": no_regex,
                            }
                        ]
                        if words.compound_stems
                        else []
                    ),
                    *(
                        [
                            {
                                "sentences": [
                                    f"[{{cs_head}}] {_alternatives(words.sold_questions)} "
                                    f"[{{cs_mid}}] {_alternatives(words.sold_words)} [{{cs_tail}}]"
                                ],
                                "required_keywords": _variants(words.sold_words),
                                "settings": no_regex,
                            }
                        ]
                        if words.sold_words
                        else []
                    ),
                    *(
                        [
                            {
                                "sentences": [
                                    f"[{{cs_head}}] {_alternatives(words.when)} [{{cs_mid}}] "
                                    f"{_alternatives(words.absence)} [{{cs_tail}}]",
                                    f"[{{cs_head}}] {_alternatives(words.absence)} [{{cs_mid}}] "
                                    f"{_alternatives(words.when)} [{{cs_tail}}]",
                                ],
                                "required_keywords": _variants(words.absence_words),
                                "settings": no_regex,
                            }
                        ]
                        if words.absence
                        else []
                    ),
                    {
                        # Volumes typed without a space: "9kWh".
                        "sentences": ["{cs_head}(kwh|kilowattstunden) [{cs_tail}]"],
                        "settings": no_regex,
                    },
                    {"sentences": list(answers), "settings": no_regex},
                    *(
                        [{"sentences": [_alternatives(words.yes_no)], "settings": no_regex}]
                        if words.yes_no
                        else []
                    ),
                ]
            }
        },
        "lists": {
            "cs_text": {"wildcard": True},
            "cs_head": {"wildcard": True},
            "cs_mid": {"wildcard": True},
            "cs_tail": {"wildcard": True},
        },
    }


HEADER: Final = (
    "# Community Storage Market: sentences for Home Assistant's built-in conversation agent.\n"
    "# Generated by script/sentences from sentence_gate.py; installed into\n"
    "# <config>/custom_sentences/<language>/ by the integration. These templates only decide\n"
    "# that a sentence is about community storage; the integration reads the whole sentence\n"
    "# itself. If you edit this copy, the integration leaves it alone from then on.\n"
)
