"""Recognise opioids, full-dose naltrexone and thyroid hormones in medication names as people
type them: brands and generics from several countries and languages, strengths and forms
around them, accents or none, and small misspellings.

Pure: plain strings in, a match (or None) out. No ORM, no settings, no clock. The vocabulary
is a vendored, dated data file (data/opioid_vocabulary.tsv, data/thyroid_hormones.tsv and
data/lookalikes.tsv beside this module); its sources are cited in data/SOURCES.md and the
rules are explained in docs/opioid-vocabulary.md.

Clinical basis (docs/opioid-vocabulary.md): the opioid matching list covers the WHO ATC
classes N02A, R05DA, A07DA and N07BC; dextromethorphan, the antagonists (naloxone,
nalmefene) and the peripheral antagonists (methylnaltrexone, naloxegol, naldemedine) are
never flagged; loperamide only warns [design]; methadone and buprenorphine need the longer
washout. Naltrexone at 25 mg or more is standard-dose naltrexone, a different product from
LDN (the label's starting dose), so a stated strength of 25 mg or more, or a full-dose
product (Vivitrol, Revia, Adepend, Nalorex, Contrave, Mysimba), is a duplicate therapy.
"""

import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

VOCABULARY_VERSION = "2026-11"

BLOCK, WARN, DUPLICATE = "block", "warn", "duplicate"
GROUPS = frozenset(
    {
        "full agonist",
        "partial agonist",
        "antitussive",
        "antidiarrheal",
        "other",
        "full-dose naltrexone",
        "naltrexone combination",
    }
)
# A block outranks a duplicate therapy, which outranks a warning.
_ACTION_RANK = {BLOCK: 0, DUPLICATE: 1, WARN: 2}


@dataclass(frozen=True)
class DrugMatch:
    ingredient: str  # lower-case generic, e.g. "oxycodone", "naltrexone"
    group: str  # one of GROUPS
    action: str  # "block" (opioid: no LDN), "warn" (loperamide), "duplicate" (full-dose naltrexone)
    maintenance: bool  # methadone/buprenorphine: the longer washout applies
    term: str  # the vocabulary term that matched, as written in the vocabulary
    fuzzy: bool  # True when matched through misspelling tolerance
    source: str  # which vocabulary source the term came from (short id, see data/SOURCES.md)


@dataclass(frozen=True)
class Term:
    """One row of the vocabulary file."""

    text: str
    ingredient: str
    group: str
    action: str
    maintenance: bool
    source: str
    lang: str
    fuzzy: bool  # may also be found through misspelling tolerance
    min_mg: float | None  # found only next to a stated strength of at least this many mg
    ref: str  # where in the source: an RxCUI, an ATC code, a page key


# Text handling ---------------------------------------------------------------------------

# Words dropped before matching, so "Tylenol w/ codeine" reads as "tylenol codeine" and
# "paracetamol con codeína" as "paracetamol codeina".
_FILLER = frozenset({"with", "w", "and", "con", "y", "mit", "und", "avec", "et"})
# "codeine-free", "Tylenol without codeine", "sin codeína": the name is only there to say it
# is absent, so that mention does not count. A real opioid elsewhere in the text still does.
_NEGATED_BEFORE = frozenset({"without", "no", "non", "sin", "ohne", "sans"})
_NEGATED_AFTER = frozenset({"free"})
# Words that may stand between a name and its strength ("naltrexone HCl tablets 50 mg").
_BETWEEN_NAME_AND_STRENGTH = frozenset(
    {
        "hcl",
        "hydrochloride",
        "clorhidrato",
        "hidrocloruro",
        "tablet",
        "tablets",
        "tab",
        "tabs",
        "oral",
        "film",
        "coated",
        "comprimido",
        "comprimidos",
        "capsule",
        "capsules",
        "cap",
        "caps",
        "capsula",
        "capsulas",
        "injection",
        "inyectable",
        "depot",
    }
)
_MG = frozenset({"mg", "mgs", "milligram", "milligrams", "miligramos", "milligramos"})
_OTHER_UNITS = frozenset(
    {"mcg", "ug", "microgram", "micrograms", "microgramos", "g", "gram", "grams", "ml", "ng"}
)
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)?")


def _plain(text: str) -> str:
    """Lower case, accents folded; the micro sign kept as "u" so "4.5 µg" stays micrograms."""
    text = text.replace("\u00b5", "u").replace("\u03bc", "u")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _tokens(text: str) -> tuple[str, ...]:
    """Words and numbers ("4.5" stays one number); punctuation and filler words dropped."""
    return tuple(t for t in _TOKEN.findall(_plain(text)) if t not in _FILLER)


def _number(token: str) -> float | None:
    return float(token.replace(",", ".")) if token[:1].isdigit() else None


def _skeleton(word: str) -> str:
    """A spelling-insensitive form for misspelling tolerance: "ph" and "f", "th" and "t",
    "y" and "i", "k" and "c" read alike, and doubled letters count once."""
    word = re.sub(r"(.)\1+", r"\1", word)
    word = word.replace("ph", "f").replace("th", "t").replace("y", "i").replace("k", "c")
    return re.sub(r"(.)\1+", r"\1", word)


def _allowed_edits(letters: int) -> int:
    """Misspellings tolerated for a term of this many letters: none below 6 letters, one
    edit for 6-8 letters, two for 9 or more ([design], docs/opioid-vocabulary.md)."""
    if letters < 6:
        return 0
    return 1 if letters <= 8 else 2


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: insertions, deletions,
    substitutions and swaps of neighbours), or limit + 1 as soon as it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


# The data files -----------------------------------------------------------------------------


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("data", filename).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(header):
            raise ValueError(f"{filename}: row {number} has {len(cells)} cells, not {len(header)}")
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _yes(value: str) -> bool:
    if value not in ("yes", "no"):
        raise ValueError(f"expected yes or no, found {value!r}")
    return value == "yes"


def _load_terms() -> tuple[Term, ...]:
    terms = []
    for row in _rows("opioid_vocabulary.tsv"):
        term = Term(
            text=row["term"],
            ingredient=row["ingredient"],
            group=row["group"],
            action=row["action"],
            maintenance=_yes(row["maintenance"]),
            source=row["source"],
            lang=row["lang"],
            fuzzy=_yes(row["fuzzy"]),
            min_mg=float(row["min_mg"]) if row["min_mg"] else None,
            ref=row["ref"],
        )
        if term.group not in GROUPS or term.action not in _ACTION_RANK:
            raise ValueError(f"opioid_vocabulary.tsv: {term.text!r} has an unknown group or action")
        terms.append(term)
    return tuple(terms)


TERMS: tuple[Term, ...] = _load_terms()
THYROID_TERMS: tuple[tuple[str, str, bool], ...] = tuple(
    (row["term"], row["ingredient"], _yes(row["fuzzy"])) for row in _rows("thyroid_hormones.tsv")
)
LOOKALIKES: tuple[str, ...] = tuple(row["term"] for row in _rows("lookalikes.tsv"))


# Matching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    tokens: tuple[str, ...]
    payload: object  # what a match reports: a Term, or a thyroid ingredient name
    min_mg: float | None
    order: int


@dataclass(frozen=True)
class _Found:
    entry: _Entry
    fuzzy: bool


_FORM_WORDS = _BETWEEN_NAME_AND_STRENGTH | {"syrup", "patch", "patches", "spray", "solution"}


class _Matcher:
    """Finds vocabulary entries in a token sequence: exactly, as two words run together,
    or (for entries that allow it) through a small misspelling of a single word. A name
    inside an exception phrase ("Solpadeine Headache") does not count."""

    def __init__(
        self,
        entries: list[tuple[str, object, bool, float | None]],
        guards: tuple[str, ...] = (),
        exceptions: tuple[tuple[str, ...], ...] = (),
    ):
        self._exceptions = exceptions
        self._by_first: dict[str, list[_Entry]] = {}
        self._single: dict[str, _Entry] = {}
        self._fuzzy: dict[str, list[tuple[str, int, _Entry]]] = {}
        self._guards = guards
        for order, (text, payload, fuzzy, min_mg) in enumerate(entries):
            tokens = _tokens(text)
            entry = _Entry(tokens, payload, min_mg, order)
            self._by_first.setdefault(tokens[0], []).append(entry)
            if len(tokens) == 1 and tokens[0].isalpha() and min_mg is None:
                self._single[tokens[0]] = entry
                letters = sum(c.isalpha() for c in text)
                if fuzzy and _allowed_edits(letters):
                    skeleton = _skeleton(tokens[0])
                    bucket = self._fuzzy.setdefault(skeleton[0], [])
                    bucket.append((skeleton, _allowed_edits(letters), entry))

    def find(self, tokens: tuple[str, ...]) -> list[_Found]:
        found: list[_Found] = []
        covered: set[int] = set()
        excepted = {
            k
            for phrase in self._exceptions
            for i in range(len(tokens) - len(phrase) + 1)
            if tokens[i : i + len(phrase)] == phrase
            for k in range(i, i + len(phrase))
        }
        for i, token in enumerate(tokens):
            for entry in self._by_first.get(token, ()):
                end = i + len(entry.tokens)
                if tokens[i:end] != entry.tokens:
                    continue
                covered.update(range(i, end))
                if set(range(i, end)) <= excepted:
                    continue
                if _negated(tokens, i, end) or not _strong_enough(tokens, i, end, entry.min_mg):
                    continue
                found.append(_Found(entry, fuzzy=False))
        covered |= excepted
        for i in range(len(tokens) - 1):
            first, second = tokens[i], tokens[i + 1]
            if len(first) < 3 or len(second) < 3 or {i, i + 1} & covered:
                continue
            entry = self._single.get(first + second)
            if entry is not None and not _negated(tokens, i, i + 2):
                covered.update((i, i + 1))
                found.append(_Found(entry, fuzzy=True))
        for i, token in enumerate(tokens):
            if i in covered or len(token) < 5 or not token.isalpha() or token in _FORM_WORDS:
                continue
            entry = self._misspelt(token)
            if entry is not None and not _negated(tokens, i, i + 1):
                found.append(_Found(entry, fuzzy=True))
        return found

    def _misspelt(self, token: str) -> _Entry | None:
        """The vocabulary entry a word is a small misspelling of, or None. The word must
        start like the entry, be within its allowed edits, and be no closer to a look-alike."""
        skeleton = _skeleton(token)
        best = None
        for candidate, allowed, entry in self._fuzzy.get(skeleton[0], ()):
            distance = _distance(skeleton, candidate, allowed)
            if distance <= allowed and (best is None or distance < best[0]):
                best = (distance, entry)
        if best is None:
            return None
        distance, entry = best
        for guard in self._guards:
            if _distance(skeleton, guard, distance) <= distance:
                return None
        return entry


def _negated(tokens: tuple[str, ...], start: int, end: int) -> bool:
    before = tokens[start - 1] if start > 0 else ""
    after = tokens[end] if end < len(tokens) else ""
    return before in _NEGATED_BEFORE or after in _NEGATED_AFTER


def _strong_enough(tokens: tuple[str, ...], start: int, end: int, min_mg: float | None) -> bool:
    """True when no strength is required, or a strength of at least min_mg is stated right
    after the name ("naltrexone HCl 50 mg") or right before it ("50 mg naltrexone")."""
    if min_mg is None:
        return True
    j = end
    while j < len(tokens) and tokens[j] in _BETWEEN_NAME_AND_STRENGTH:
        j += 1
    value = _number(tokens[j]) if j < len(tokens) else None
    if value is not None:
        unit = tokens[j + 1] if j + 1 < len(tokens) else ""
        if unit not in _OTHER_UNITS and value >= min_mg:
            return True
    if start >= 2 and tokens[start - 1] in _MG:
        value = _number(tokens[start - 2])
        return value is not None and value >= min_mg
    return False


def _guard_skeletons() -> tuple[str, ...]:
    """Misspelling tolerance never reads a look-alike as a vocabulary term, and a word closer
    to a look-alike than to a term is not a misspelling of that term. Naltrexone's own names
    count as look-alikes here: alone, they are the LDN itself."""
    words = {_tokens(name) for name in LOOKALIKES}
    words |= {_tokens(term.text) for term in TERMS if term.min_mg is not None}
    return tuple(sorted({_skeleton(w[0]) for w in words if len(w) == 1}))


_OPIOIDS = _Matcher(
    [(t.text, t, t.fuzzy, t.min_mg) for t in TERMS],
    guards=_guard_skeletons(),
    exceptions=tuple(p for name in LOOKALIKES if len(p := _tokens(name)) > 1),
)
_THYROID = _Matcher([(text, ing, fuzzy, None) for text, ing, fuzzy in THYROID_TERMS])


def identify(name: str) -> DrugMatch | None:
    """The opioid or full-dose naltrexone product named in a free-text medication entry.

    When several names are found, the one that matters most wins: a block before a
    duplicate therapy before a warning, then the longest washout (methadone, buprenorphine),
    then the most specific term ("promethazine codeine" over "codeine"), then an exact match
    before a misspelling, then vocabulary order.
    """
    best = None
    for found in _OPIOIDS.find(_tokens(name)):
        term: Term = found.entry.payload
        rank = (
            _ACTION_RANK[term.action],
            not term.maintenance,
            -len(found.entry.tokens),
            -len(term.text),
            found.fuzzy,
            found.entry.order,
        )
        if best is None or rank < best[0]:
            best = (rank, term, found.fuzzy)
    if best is None:
        return None
    _, term, fuzzy = best
    return DrugMatch(
        ingredient=term.ingredient,
        group=term.group,
        action=term.action,
        maintenance=term.maintenance,
        term=term.text,
        fuzzy=fuzzy,
        source=term.source,
    )


def identify_thyroid_hormone(name: str) -> str | None:
    """The thyroid hormone (levothyroxine, liothyronine, liotrix, desiccated thyroid) named
    in a free-text medication entry, or None. Plain "thyroid" and antithyroid drugs are not
    thyroid hormones (thyroid cautions, docs/opioid-vocabulary.md)."""
    found = _THYROID.find(_tokens(name))
    if not found:
        return None
    best = min(found, key=lambda f: (-len(f.entry.tokens), f.fuzzy, f.entry.order))
    return best.entry.payload
