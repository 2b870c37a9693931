"""The words the parser knows, English and German together, as plain data.

Tokens are lower-case and umlaut-folded (see ``spoken_text.tokens``): "nächste" becomes
"naechste".
Entries ending in "*" are stems and match any token starting with them ("renovat*" matches
"renovating", "renovation"). Both languages live in one table on purpose: households mix them
("Speicher for next week"), and no English word here means something else in German.
"""

from __future__ import annotations

from typing import Final

from .spoken_text import fold

# ------------------------------------------------------------------ numbers

# Written forms per language, as people type them. The sentence gate lists these (Home
# Assistant's matcher does not fold umlauts); the reader's tables below hold them folded.
WEEKDAYS_WRITTEN: Final[dict[str, tuple[str, ...]]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
}
# One to fourteen: the counts of days a request may span.
COUNTS_WRITTEN: Final[dict[str, tuple[str, ...]]] = {
    "en": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve", "thirteen", "fourteen"),
    "de": ("eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
           "elf", "zwölf", "dreizehn", "vierzehn"),
}  # fmt: skip

NUMBER_WORDS: Final[dict[str, int]] = {
    "zero": 0, "null": 0, "zwo": 2,
    **{
        fold(word): value
        for words in COUNTS_WRITTEN.values()
        for value, word in enumerate(words, start=1)
    },
    # English
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "hundred": 100,
    # German
    "fuenfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
    "neunzehn": 19, "zwanzig": 20, "einundzwanzig": 21, "dreissig": 30, "vierzig": 40,
    "fuenfzig": 50, "sechzig": 60, "hundert": 100,
}  # fmt: skip
# "a"/"ein" count as one only right before a unit ("a week", "eine Woche").
ARTICLE_ONE: Final = frozenset(
    {"a", "an", "ein", "eine", "einen", "einem", "einer", "one", "ne", "nen"}
)
# Vague quantities before "days": "a couple of days" = 2, "a few" / "ein paar" = 3.
VAGUE_COUNTS: Final[dict[str, int]] = {
    "couple": 2, "few": 3, "several": 3, "paar": 3, "einige": 3, "paar tage": 3,
}  # fmt: skip

# ------------------------------------------------------------------ units after a number

DAY_UNITS: Final = frozenset(
    {"day", "days", "tag", "tage", "tagen", "tages", "night", "nights", "naechte", "naechten"}
)
# Evenings, mornings and afternoons counted like days: "the next four evenings", "drei Abende".
TIME_OF_DAY_UNITS: Final = frozenset(
    {"evening", "evenings", "abend", "abende", "abenden", "morning", "mornings", "vormittage",
     "vormittagen", "afternoon", "afternoons", "nachmittage", "nachmittagen"}
)  # fmt: skip
WEEK_UNITS: Final = frozenset({"week", "weeks", "woche", "wochen"})
FORTNIGHT: Final = frozenset({"fortnight"})
KWH_UNITS: Final = frozenset(
    {"kwh", "kilowattstunde", "kilowattstunden", "kilowatthour", "kilowatthours"}
)
KILOWATT: Final = frozenset({"kilowatt", "kilowatts"})
HOUR_WORDS: Final = frozenset({"hour", "hours"})
CENT_UNITS: Final = frozenset({"cent", "cents", "ct", "cts", "c"})
EURO_UNITS: Final = frozenset({"euro", "euros", "eur", "€"})

# ------------------------------------------------------------------ amounts

# "8 kWh per day", "8 kWh a day", "pro Tag", "täglich".
PER_DAY_AFTER: Final = frozenset({"per", "a", "each", "every", "pro", "je", "am", "jeden", "/"})
PER_DAY_WORDS: Final = frozenset({"daily", "taeglich", "tagsueber"})
TOTAL_WORDS: Final = frozenset(
    {"total", "overall", "altogether", "insgesamt", "gesamt", "zusammen", "summe", "over", "ueber"}
)
# Words before a bare number that make it a price: "max 12", "at most 0.10", "höchstens 12".
PRICE_CUES: Final = frozenset(
    {
        "max", "maximum", "most", "least", "min", "minimum", "under", "below", "above",
        "cap", "limit", "upto", "hoechstens", "maximal", "mindestens", "minimal",
        "wenigstens", "unter", "preis", "price", "at",
    }
)  # fmt: skip

# ------------------------------------------------------------------ dates

WEEKDAYS: Final[dict[str, int]] = {
    **{day: number for days in WEEKDAYS_WRITTEN.values() for number, day in enumerate(days)},
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "sonnabend": 5,
    "montags": 0, "dienstags": 1, "mittwochs": 2, "donnerstags": 3, "freitags": 4,
    "samstags": 5, "sonntags": 6, "mondays": 0, "fridays": 4, "saturdays": 5, "sundays": 6,
}  # fmt: skip
# "Montagmorgen", "Freitagabend": weekday glued to a time of day.
WEEKDAY_GLUED_TIMES: Final[dict[str, str]] = {
    "morgen": "morning", "vormittag": "morning", "mittag": "afternoon",
    "nachmittag": "afternoon", "abend": "evening", "nacht": "night",
}  # fmt: skip
MONTHS: Final[dict[str, int]] = {
    "january": 1, "jan": 1, "januar": 1, "jaenner": 1, "february": 2, "feb": 2, "februar": 2,
    "march": 3, "mar": 3, "maerz": 3, "april": 4, "apr": 4, "may": 5, "mai": 5, "june": 6,
    "jun": 6, "juni": 6, "july": 7, "jul": 7, "juli": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12, "dezember": 12, "dez": 12,
}  # fmt: skip
ORDINAL_SUFFIXES: Final = frozenset({"st", "nd", "rd", "th"})
TODAY: Final = frozenset({"today", "heute", "tonight"})
TOMORROW: Final = frozenset({"tomorrow", "tmrw", "morgen"})
DAY_AFTER_TOMORROW: Final = frozenset({"uebermorgen"})
# German "morgen" is "morning" after these ("am Morgen", "jeden Morgen").
MORNING_ARTICLES: Final = frozenset({"am", "jeden", "den", "guten", "diesen"})
NEXT: Final = frozenset(
    {"next", "coming", "following", "naechste", "naechsten", "naechstes", "naechster",
     "kommende", "kommenden", "kommendes", "folgende", "folgenden"}
)  # fmt: skip
THIS: Final = frozenset({"this", "diese", "dieses", "diesem", "diesen", "current"})
WEEK: Final = frozenset({"week", "woche"})
WEEKEND: Final = frozenset({"weekend", "wochenende", "weekends"})
REST_OF: Final = frozenset({"rest"})
FROM_WORDS: Final = frozenset(
    {"from", "starting", "beginning", "as", "ab", "von", "vom", "since", "after", "start"}
)
UNTIL_WORDS: Final = frozenset(
    {"until", "till", "til", "through", "thru", "to", "bis", "zum", "and", "und", "inclusive"}
)
# After "until"/"bis": "until and including", "bis einschließlich", "bis zum".
UNTIL_FILLERS: Final = frozenset(
    {"the", "and", "including", "einschliesslich", "inklusive", "zum", "am", "on", "den"}
)

# ------------------------------------------------------------------ time of day

TIME_OF_DAY_WORDS: Final[dict[str, str]] = {
    "evening": "evening", "evenings": "evening", "tonight": "evening", "abend": "evening",
    "abends": "evening", "abende": "evening", "abenden": "evening", "dinnertime": "evening",
    "night": "night", "nights": "night", "overnight": "night", "nacht": "night",
    "nachts": "night", "naechtlich": "night", "naechte": "night", "naechten": "night",
    "morning": "morning", "mornings": "morning", "morgens": "morning",
    "vormittag": "morning", "vormittags": "morning", "vormittage": "morning",
    "vormittagen": "morning", "frueh": "morning",
    "afternoon": "afternoon", "afternoons": "afternoon", "nachmittag": "afternoon",
    "nachmittags": "afternoon", "nachmittage": "afternoon", "nachmittagen": "afternoon",
    "mittags": "afternoon",
    "ganztags": "all_day", "ganztaegig": "all_day",
}  # fmt: skip
ALL_DAY_PHRASES: Final = (
    ("all", "day"),
    ("whole", "day"),
    ("entire", "day"),
    ("around", "the", "clock"),
    ("round", "the", "clock"),
    ("ganzen", "tag"),
    ("rund", "um", "die", "uhr"),
    ("24", "/", "7"),
    ("den", "ganzen", "tag"),
)

# ------------------------------------------------------------------ reasons

REASONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    # Nobody at home, before "bei uns" (guests): "Bei uns ist bis Sonntag keiner zu Hause".
    ("holiday", ("keiner zu hause", "niemand zu hause", "keiner daheim", "niemand daheim",
                 "nobody home", "nobody s home", "no one home", "no one s home")),
    # Checked in this order: a business trip is not a holiday.
    ("business_trip", ("dienstreise*", "geschaeftsreise*", "business", "work trip", "auf montage",
                       "for work", "beruflich", "conference", "konferenz", "messe")),
    # Someone coming to us ("zu Besuch") before the phrases that mean we go elsewhere.
    ("guests", ("zu besuch", "coming over", "visiting us", "staying with us", "bei uns",
                "friends over", "family over", "people over", "guests over", "hosting",
                "staying over", "stay over", "stays over", "sleeping over", "sleepover*",
                "uebernachten bei uns", "kommen zu uns", "kommt zu uns")),
    # Being somewhere else, said with words that elsewhere mean guests ("visiting").
    ("holiday", ("visiting my", "visiting our", "visit my", "visit our", "at my", "at our",
                 "in laws", "besuchen", "bei den", "bei meinen", "bei meiner", "bei unseren",
                 "bei freunden", "schwiegereltern", "eltern", "parents", "keiner", "ab in",
                 "zu hause", "daheim")),
    ("renovation", ("renovat*", "renovier*", "redecorat*", "refurbish*", "umbau*", "sanier*",
                    "builders", "handwerker", "decorating", "remodel*", "refurb*",
                    # The trades who come to do the work.
                    "elektriker*", "maler", "malern", "klempner*", "installateur*",
                    "fliesenleger*", "schreiner*", "tischler*", "electrician*", "painters",
                    "plumber*", "decorators", "tradesmen", "workmen",
                    # The work itself, by what is done.
                    "paint*", "repaint*", "wallpaper*", "plaster*", "tiling", "retil*",
                    "doing up", "redoing", "building work", "tapezier*", "anstreich*",
                    "verputz*", "fliesen", "bauarbeiten", "baustelle", "ausmalen")),
    ("guests", ("guest*", "visitor*", "party", "parties", "gaest*", "gast", "besuch*",
                "feier*", "in-laws", "visiting", "company")),
    ("home_office", ("home office", "homeoffice", "working from home", "work from home",
                     "wfh", "heimarbeit", "remote")),
    ("ev", ("ev", "evs", "electric car*", "electric vehicle*", "e auto*", "eauto*",
            "elektroauto*", "wallbox", "car", "auto", "tesla")),
    ("holiday", ("holiday*", "vacation*", "trip", "travel*", "away", "leaving", "abroad",
                 "urlaub*", "verreis*", "weg", "unterwegs", "reise*", "ferien", "nobody",
                 "niemand", "nicht da", "not home", "not be home", "not at home", "off to",
                 "out of town", "ski*", "camping", "staying with", "parents", "friends",
                 "fahren", "fliegen", "flying", "gone", "out", "verreist", "fort",
                 # Time off elsewhere, said by what is done there.
                 "leerstehend", "hiking", "cruise", "wedding",
                 "sailing", "city break", "wander*", "segel*", "zelten", "campen", "kur",
                 "reha", "kreuzfahrt*", "ausflug*", "radtour*", "hochzeit*", "kurztrip*",
                 "staedtereise*", "staedtetrip*", "wochenendtrip*", "tagesausflug*")),
)  # fmt: skip
# Checked after the first three entries of REASONS (nobody home, a business trip, someone coming
# to us) and before the rest: where the household goes ("an die Ostsee", "to my parents'") and who
# comes to stay ("Mein Sohn kommt übers Wochenende"), then painting the home.
REASONS_BEFORE_PLACES: Final = 3
# Where people go for a few days: a place word with a word of going or being there ("Wir fahren
# an die Ostsee", "We're heading to the coast", "Ab Freitag sind wir in den Bergen").
PLACES: Final = (
    "seaside", "coast", "beach", "sea", "mountains", "hills", "lake", "lakes", "countryside",
    "cottage", "cabin", "caravan", "alps", "island", "chalet", "lodge",
    "meer", "ostsee", "nordsee", "kueste", "strand", "berge", "bergen", "alpen", "insel",
    "ferienwohnung", "ferienhaus", "huette", "ans meer", "an den see", "am see", "zum see",
    "aufs land", "auf dem land", "auf s land",
)  # fmt: skip
GOING: Final = frozenset(
    {"go", "going", "goes", "head", "heading", "heads", "drive", "driving", "fly", "flying",
     "off", "travel", "travelling", "traveling", "spend", "spending", "taking", "take", "be",
     "are", "re", "is", "ll", "stay", "staying", "fahren", "fahre", "faehrt", "fahr", "gehen",
     "geht", "gehts", "fliegen", "fliege", "fliegt", "reisen", "sind", "bin", "ist", "bleiben",
     "verbringen", "ab", "los"}
)  # fmt: skip
# People by their relation to the household (not the partner, who is "we"): someone coming to
# stay is guests, going to them is being away ("zu Oma", "to my sister's", "bei meinem Bruder").
PEOPLE: Final = (
    "son", "sons", "daughter", "daughters", "kids", "children", "grandkids", "grandchildren",
    "grandson", "granddaughter", "mum", "mom", "mother", "dad", "father", "parents", "in laws",
    "inlaws", "sister", "sisters", "brother", "brothers", "aunt", "uncle", "cousin", "cousins",
    "niece", "nephew", "friend", "friends", "grandma", "grandpa", "granny", "grandparents",
    "nan", "nana", "family", "relatives", "folks", "mother in law", "father in law",
    "sohn", "soehne", "tochter", "toechter", "kinder", "enkel*", "mutter", "mama", "vater",
    "papa", "eltern", "schwieger*", "schwester*", "bruder", "brueder*", "tante*", "onkel*",
    "cousine*", "neffe*", "nichte*", "freund", "freundin*", "freunde", "oma*", "opa*",
    "grosseltern", "familie*", "verwandte*", "schwager", "schwaegerin", "freunden",
)  # fmt: skip
# Between a word of going and the person: "zu meiner Schwester", "to the kids", "bei den Eltern".
PERSON_DETERMINERS: Final = frozenset(
    {"the", "my", "our", "his", "her", "their", "der", "die", "den", "dem", "mein", "meine",
     "meinen", "meinem", "meiner", "unser", "unsere", "unseren", "unserem", "unserer", "seine",
     "seinen", "seinem", "seiner", "ihre", "ihren", "ihrem", "ihrer"}
)  # fmt: skip
# A person after one of these (possibly with "my"/"meine" between) is where the household goes.
TOWARDS: Final = frozenset(
    {"to", "at", "with", "visiting", "visit", "see", "seeing", "zu", "zum", "zur", "bei", "beim",
     "besuchen", "besuche", "nach"}
)  # fmt: skip
# Someone coming to the household: with a person who is not a destination, guests.
ARRIVING: Final = frozenset(
    {"come", "comes", "coming", "arrive", "arrives", "arriving", "visiting", "visit", "visits",
     "staying", "stay", "stays", "here", "kommt", "kommen", "besucht", "besuchen", "besuch",
     "uebernachtet", "uebernachten", "schlaeft", "schlafen", "bleibt", "bleiben", "da", "hier"}
)  # fmt: skip
# Next to one of these a word of arriving is the household's own going ("Wir besuchen meine
# Schwester", "we're visiting"), not someone coming.
FIRST_PERSON: Final = frozenset({"wir", "ich", "we", "i", "re", "m"})
# Painting said with "streichen", which also means cancelling ("Streich meine Reservierung"):
# a surface of the home makes it the work ("Wir streichen nächste Woche die Wohnung").
PAINT_OR_CANCEL: Final = ("streich*", "gestrichen")
# What is cancelled when "streichen" means cancelling: with one of these it is never painting.
ORDER_NOUNS: Final = (
    "reservation*", "booking*", "order*", "offer*", "reservierung*", "buchung*", "angebot*",
    "auftrag*", "auftraege*", "bestellung*", "verkauf*", "kauf*",
)  # fmt: skip
HOME_SURFACES: Final = (
    "wohnung", "haus", "wand", "waende", "zimmer", "kueche", "bad", "flur", "decke", "decken",
    "fassade", "zaun", "treppenhaus", "fenster", "tuer", "tueren", "garage", "keller",
    "dachboden", "diele", "gartenhaus", "balkon",
)  # fmt: skip
# Compounds of those: "Wohnzimmer", "Kinderzimmer", "Küchenwand".
HOME_SURFACE_ENDINGS: Final = ("zimmer", "wand", "waende", "decke", "tuer", "tueren")
# Rooms and areas that, said with a renovation word, are where the work is done rather than
# where Home Assistant should switch something ("We're painting the living room next week").
WORK_AREAS: Final = frozenset({"room", "raum", "keller", "abstellraum", "wohnzimmer", "garage"})
# German compounds that end in a holiday word: "Wanderurlaub", "Städtereise", "Wellnesstrip".
HOLIDAY_SUFFIXES: Final = ("urlaub", "reise", "trip", "ausflug", "ferien")
# "The flat is empty until Sunday", "Die Wohnung steht bis Sonntag leer": nobody home.
EMPTY: Final = frozenset({"empty", "leer"})
BEING: Final = frozenset(
    {"is", "s", "be", "are", "stays", "stay", "remains", "steht", "stehen", "ist", "sind",
     "bleibt", "bleiben"}
)  # fmt: skip
# Keeping one's own solar power for later is storage the household needs ("Keep my solar for
# the evenings", "Solarstrom fürs Wochenende aufheben"): a solar word and a keeping verb.
SOLAR_STEMS: Final = ("solar", "sonnenstrom", "pv")
KEEP_VERBS: Final = frozenset(
    {"keep", "store", "save", "hold", "aufheben", "aufsparen", "speichern", "behalten",
     "sparen", "zurueckhalten", "bunkern",
     # Separable "heb ... auf", "spar ... auf": the verb without its particle.
     "heb", "hebe", "hebt", "heben", "spar", "spare", "speichere", "speichert"}
)  # fmt: skip

# ------------------------------------------------------------------ intents

TOPIC: Final = (
    "storage*", "battery", "batteries", "capacity", "kwh", "speicher*", "akku*", "batterie*",
    "kapazitaet*", "heimspeicher", "hausspeicher", "stromspeicher", "batteriespeicher",
    "market", "markt", "trading", "handel", "reservation*", "booking*", "order*", "offer*",
    "auftrag*", "auftraege*", "reservierung*", "buchung*", "angebot*",
)  # fmt: skip
CANCEL: Final = (
    "cancel*", "withdraw*", "revoke", "retract", "storn*", "zurueckzieh*", "zurueckziehen",
    "zurueckgezogen", "zuruecknehm*", "abbrechen", "abbestell*", "loesch*", "delete",
    "undo", "annul*", "aufhoeren", "aufheben", "call off", "take back", "stop selling",
    "stop offering", "stop buying", "stop reserving", "stop trading", "stop sharing",
    "hoer auf", "hoer bitte auf", "hoert auf", "nimm", "remove",
    "no longer need the", "no longer need my", "no longer need our",
    "brauche die reservierung nicht", "streich*", "rueckgaengig", "keep my battery",
    "take my battery off", "take it off", "off the market", "after all", "doch nicht",
    "doch kein", "doch keinen", "scrap*", "scratch", "strike", "cross off", "forget", "vergiss",
    "vergessen", "entfern*", "drop my", "drop the", "drop our", "nicht mehr anbieten",
    "nicht mehr verkaufen",
)  # fmt: skip
QUESTION_START: Final = frozenset(
    {
        "did", "has", "have", "was", "were", "is", "are", "how", "hows", "what", "whats",
        "which", "when", "any", "show", "list", "tell", "do", "does", "wie", "hat",
        "haben", "habe", "wurde", "wurden", "ist", "sind", "welche", "welcher", "welches",
        "zeig", "zeige", "zeigen", "gibt", "wann", "wieviel", "status", "give", "where",
        "hast", "sag", "sage", "nenn", "who", "wer", "anything", "news", "update", "steht",
        "laeuft", "welchen", "wieviele",
    }
)  # fmt: skip
REQUEST_START: Final = frozenset(
    {"can", "could", "would", "will", "please", "kannst", "koenntest", "wuerdest", "bitte",
     "kann", "koennen", "koennten", "moechte", "moechten", "ich", "wir", "i", "we", "let",
     "lass", "i m", "im", "ill", "we re", "were", "mach", "book", "buch"}
)  # fmt: skip
EARNINGS: Final = (
    "earn*", "made", "verdien*", "verdient", "eingenommen", "einnahm*", "ertrag*", "revenue",
    "income", "profit*", "money", "geld", "spent", "spend", "ausgegeben", "bezahlt", "paid",
    "gekostet", "bill", "rechnung", "settlement*", "abrechnung*", "erloes*", "gewinn*",
    "did i make", "did we make", "do i make", "will i make", "gebracht", "eingebracht",
)  # fmt: skip
SOLD: Final = (
    "sold", "verkauft", "bought", "gekauft", "filled", "matched", "taken", "sell", "buy",
    "anybody", "anyone", "jemand", "abgenommen", "vermietet", "uebernommen", "gone",
)  # fmt: skip
RESERVED: Final = (
    "reserved",
    "booked",
    "gebucht*",
    "reserviert*",
    "got",
    "planned",
    "geplant",
    "confirmed",
    "bestaetigt*",
    "secured",
    "gesichert",
    "reservation*",
    "reservierung*",
    "speicherreservierung*",
    "booking*",
    "buchung*",
)
PRICE: Final = (
    "price*", "cost*", "rate", "rates", "preis*", "kostet", "kosten", "teuer", "cheap*",
    "expensive", "guenstig*", "worth", "wert", "pay", "zahlen", "clearingpreis*",
    "marktpreis*", "speicherpreis*", "kapazitaetspreis*", "going rate", "going for",
    "how much is", "how much does", "wie viel kostet", "wie teuer", "zahlt", "zahle", "zahlst",
)  # fmt: skip
OVERVIEW: Final = (
    "status", "going", "doing", "laeuft", "steht", "stand", "overview", "uebersicht",
    "looking", "aussieht", "orders", "auftraege", "angebote", "offers", "reservations",
    "bookings", "buchungen", "reservierungen", "news", "neues", "update", "summary",
    "trading", "handel", "markt", "market", "happening", "los", "marktstatus", "marktlage",
    "status*",
)  # fmt: skip
OFFER: Final = (
    "offer*", "sell", "selling", "sale", "rent out", "lend*", "share", "sharing",
    "put my", "put our", "put the", "make available", "available", "spare", "free",
    "anbiet*", "biete*", "bieten", "angebot*", "verkauf*", "verleih*", "vermiet*",
    "zur verfuegung", "frei", "uebrig", "teilen", "freigeben", "leer", "unused", "idle",
    "ungenutzt", "earn", "verdienen", "monetis*", "monetiz*", "list my", "list our",
    "einstellen", "anbieten", "teil", "teile", "entbehr*", "neighbo*", "nachbar*",
    "up for grabs", "on the market", "rent_out", "renting_out", "rented_out", "lease_out",
    "leasing_out", "hire_out", "stell meine", "stell meinen", "stell unsere",
    "stell unseren", "stelle meine", "stelle meinen", "stelle unseren",
    "stelle unsere", "auf den markt", "zum verkauf", "hergeben", "abgeben",
    "vergeben", "verleihen", "rent it", "lease*",
)  # fmt: skip
RESERVE: Final = (
    "need*", "reserve*", "book*", "buy*", "get", "could use", "require*", "want",
    "extra", "additional", "brauch*", "benoetig*", "reservier*", "buch*", "kauf*", "miete",
    "mieten", "haette", "moechte", "hole", "holen", "besorg*", "sichern", "sichere", "secure",
    "rent", "order", "zusaetzlich*", "mehr",
)  # fmt: skip
NEGATIONS: Final = frozenset(
    {"not", "t", "dont", "wont", "doesnt", "no", "nicht", "kein", "keine", "keinen", "never",
     "without", "nichts", "nie", "longer"}
)  # fmt: skip
# Verbs whose particle may come later: "rent my storage out" is "rent out" (an offer).
PARTICLE_VERBS: Final = frozenset({"rent", "renting", "rented", "lease", "leasing", "hire"})
PARTICLE_REACH: Final = 4
# "not ... anymore": a reservation that is no longer needed is cancelled, not offered.
NO_LONGER: Final = ("anymore", "any more", "no longer", "nicht mehr", "nimmer", "not needed")
# Someone else in the market: "Who is selling storage?", "Is anyone buying?", "Gibt es ...?".
OTHERS: Final = (
    "who", "whos", "wer", "anyone", "anybody", "someone", "somebody", "jemand", "irgendwer",
    "irgendjemand", "is there", "are there", "gibt es", "gibts", "gibt s", "neighbours",
    "neighbors", "nachbarn",
)  # fmt: skip
POSSESSIVES: Final = frozenset(
    {"my", "our", "mine", "ours", "mein", "meine", "meinen", "meinem", "meiner", "meines",
     "unser", "unsere", "unseren", "unserem", "unserer", "unseres"}
)  # fmt: skip

# "What did I earn last week?": the period before the current one.
EARLIER: Final = frozenset(
    {"last", "previous", "past", "letzte", "letzten", "letzter", "vergangene", "vergangenen",
     "vorige", "vorigen", "vorherige", "vorherigen"}
)  # fmt: skip

# Sides named in a cancel or status: "cancel Friday's reservation" is a buy.
BUY_NOUNS: Final = (
    "reservation*", "booking*", "reserve*", "book*", "buy*", "bought", "purchase*",
    "reservier*", "buchung*", "gebucht", "kauf*", "gekauft", "storage i", "bestell*",
)  # fmt: skip
SELL_NOUNS: Final = (
    "offer*", "sale*", "sell*", "sold", "angebot*", "verkauf*", "battery", "akku*",
    "batterie*", "anbiet*", "biete*",
)  # fmt: skip
# Words of other Home Assistant domains: a sentence with one of these is not a trade even if it
# names a battery or storage ("What's the battery level of my phone", "the storage room").
NOT_OURS: Final = (
    "timer*", "wecker*", "alarm*", "weather", "wetter", "calendar*", "kalender*", "shopping",
    "einkaufsliste*", "table", "tisch", "music", "musik", "urlaubsmusik", "song*", "light",
    "lights", "licht", "lichter", "lamp*", "lampe*", "heater", "heizung*", "dehumidifier*",
    "room", "raum", "keller", "abstellraum", "temperature", "temperatur", "grad", "degrees",
    "level", "akkustand", "batteriestand", "ladestand", "full", "voll", "percent", "prozent",
    "charger", "smoke", "rauchmelder*", "phone", "handy", "stock", "boerse", "farmers",
    "aa", "aaa", "remind*", "erinner*", "play", "spiel", "schalte", "schalt", "switch",
    "turn", "wohnzimmer", "garage", "thermostat", "vacuum", "staubsauger",
    "weihnachtsmarkt", "flohmarkt", "supermarket", "supermarkt", "wochenmarkt",
)  # fmt: skip
QUESTION_FILLERS: Final = frozenset(
    {"and", "so", "hey", "ok", "okay", "und", "also", "na", "hi", "hallo", "well", "oh", "sag",
     "mal", "say", "quick", "question", "frage", "kurze", "schon", "eigentlich", "denn"}
)  # fmt: skip
