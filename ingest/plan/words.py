"""The plan parser's word lists: organisation and mission alias tables (canonical name -> the ways the
document writes it) and the closed word classes target extraction relies on (number words, multipliers,
determiners, function words...). Data, not logic: extend a list here when the document grows a new phrasing."""

from __future__ import annotations

#: canonical organisation name -> pattern (case-sensitive unless (?i) is used inside).
ORGANISATIONS: list[tuple[str, str]] = [
    ("GLA", r"\bGLA\b|Greater London Authority"),
    ("NHS", r"\bNHS\b|National Health Service|national health service"),
    ("TfL", r"\bTfL\b|Transport for London"),
    ("VRU", r"\bVRU\b|Violence Reduction Unit"),
    ("MOPAC", r"\bMOPAC\b|Mayor'?s Office for Policing and Crime"),
    ("MPS", r"\bMPS\b|Metropolitan Police"),
    ("LFB", r"\bLFB\b|London Fire Brigade"),
    ("OHID", r"\bOHID\b|Office (?:for|of) Health Improvement and Disparities"),
    ("Thrive LDN", r"Thrive LDN"),
    ("HLP", r"\bHLP\b|Healthy London Partner(?:ship|s)"),
    ("London Councils", r"\bLondon Councils\b"),
    ("boroughs", r"(?i:\bboroughs\b|\bborough partners\b|\blocal authorit(?:y|ies)\b|\blocal councils\b)"),
    ("ICSs", r"\bICSs?\b|Integrated Care Systems?"),
    ("London Recovery Board", r"London Recovery Board"),
    ("Living Wage Foundation", r"Living Wage Foundation"),
    ("London Citizens", r"London Citizens"),
    ("Trust for London", r"Trust for London"),
    ("Home Office", r"Home Office"),
    ("UK Government", r"(?<!local )\b[Gg]overnment(?!al)\b(?! Group)"),
    ("VCSE", r"\bF?VCSE?\b|(?i:voluntary and community sector|voluntary sector)"),
    ("London Plus", r"London Plus"),
    ("Partnership for Young London", r"Partnership for Young London"),
    ("Mind", r"\bMind\b"),
    ("Baring Foundation", r"Baring Foundation"),
    ("Association of Colleges", r"Association of Colleges"),
    ("ADPH", r"\bADPHL?\b|Association of Directors of Public Health"),
    ("LEDNet", r"\bLEDNet\b|Environment Directors Network"),
    ("OPDC", r"\bOPDC\b|Old Oak and Park Royal Development Corporation"),
    ("Job Centre Plus", r"Job ?[Cc]entre Plus"),
    ("Alzheimer's Society", r"Alzheimer'?s Society"),
    ("Refugee Council", r"Refugee Council"),
    ("Doctors of the World", r"Doctors of the World"),
    ("London Strategic Migration Partnership", r"London Strategic Migration Partnership"),
    ("Fast Track Cities", r"Fast Track Cities"),
    ("Health Equity Group", r"Health Equity Group"),
    ("C40 Cities", r"\bC40\b"),
    ("Hestia", r"\bHestia\b"),
    ("Parks for London", r"Parks for London"),
    ("London Arts and Health", r"London Arts and Health"),
    ("Good Thinking", r"Good Thinking"),
    ("Alehm", r"\bAlehm\b|Association of Environmental Health Man(?:a)?gers"),
    ("Healthy Schools London", r"Healthy Schools London"),
    ("Healthy Early Years London", r"Healthy Early Years London"),
]

#: canonical London Recovery Programme mission -> pattern (case-sensitive: these are names).
MISSIONS: list[tuple[str, str]] = [
    (
        "Healthy Place, Healthy Weight",
        r"Healthy Place,? Healthy Weight|Healthy Food,? (?:and )?Healthy Weight",
    ),
    ("Mental Health and Wellbeing", r"Mental Health and Wellbeing"),
    ("Green New Deal", r"Green New Deal"),
    ("Robust Safety Net", r"Robust Safety Net"),
    ("Good Work for All", r"Good Work (?:for All|[Mm]ission)"),
    ("New Deal for Young People", r"New Deal for Young People"),
    ("Building Stronger Communities", r"Building Strong(?:er)? Communities"),
    ("High Streets for All", r"High Streets for All"),
    ("Digital Access for All", r"Digital Access for All"),
]

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}

MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}

FRACTIONS = {"quarter": 0.25, "third": 1 / 3, "half": 0.5}

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

DETERMINERS = {"the", "their", "its", "his", "her", "our", "this", "these", "those", "your", "my"}

APPROX = {"nearly", "almost", "around", "approximately", "about", "some", "roughly", "circa"}

DURATIONS = {
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "year's",
    "years'",
    "week's",
    "weeks'",
    "day's",
    "days'",
    "hours'",
    "months'",
}

FUNCTION_WORDS = {
    "to",
    "in",
    "on",
    "onto",
    "for",
    "from",
    "across",
    "through",
    "by",
    "of",
    "at",
    "with",
    "into",
    "within",
    "who",
    "which",
    "that",
    "whilst",
    "while",
    "so",
    "as",
    "per",
    "a",
    "an",
    "the",
    "than",
    "each",
    "every",
    "and",
    "or",
}

QUALIFIER_STOP = {
    "and",
    "to",
    "with",
    "from",
    "which",
    "that",
    "whilst",
    "while",
    "so",
    "who",
    "they",
    "but",
    "or",
    "including",
    "e.g",
}

NP_MODIFIERS = {"new", "additional", "existing", "strategic", "london", "more", "and", "extra"}

NOT_METRIC_NOUNS = {"ambition", "target", "goal", "aim", "total", "minimum", "maximum", "number", "initial"}

PREPOSITIONS = {"in", "on", "onto", "for", "to", "into", "across", "through", "at", "of"}

QUESTION_WORDS = {
    "what",
    "how",
    "why",
    "who",
    "when",
    "where",
    "which",
    "is",
    "are",
    "do",
    "does",
    "can",
    "could",
    "will",
    "would",
    "should",
    "shall",
    "has",
    "have",
}
