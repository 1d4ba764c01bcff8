"""Author-name parsing and matching for followed authors, and splitting for citations.

arXiv metadata spells the same person many ways ("S. M. Kakade", "Sham M. Kakade",
"Kakade, Sham M."), so follows are matched on a parsed, normalised form rather than on
the raw string. The surname key is what gets indexed; given names decide whether a
candidate with that key is really the followed person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from anyascii import anyascii

from radar.text import one_line

MatchStrength = Literal["exact", "initial"]

# Matched against normalised tokens, so "Del", "del" and "DEL" all count. Only a
# run of these directly before the final word joins the surname. "da", "di", "du",
# "le" and "lo" are left out on purpose: they are also common Chinese and Vietnamese
# given-name syllables ("Xiao Le Zhang" is a Zhang).
PARTICLES: frozenset[str] = frozenset(
    {
        "al",
        "bin",
        "binti",
        "das",
        "de",
        "degli",
        "dei",
        "del",
        "della",
        "delle",
        "den",
        "der",
        "dos",
        "el",
        "ibn",
        "la",
        "las",
        "les",
        "los",
        "ten",
        "ter",
        "van",
        "vom",
        "von",
        "zu",
        "zum",
        "zur",
    }
)

# "Jr"/"Sr" are never real name parts, but "Ii" is a genuine Japanese surname
# ("Naoki Ii"), so roman numerals are only dropped when a full name remains.
_ALWAYS_SUFFIXES: frozenset[str] = frozenset({"jr", "sr"})
_NUMERAL_SUFFIXES: frozenset[str] = frozenset({"ii", "iii", "iv"})
_SUFFIXES: frozenset[str] = _ALWAYS_SUFFIXES | _NUMERAL_SUFFIXES

_PARENTHESISED = re.compile(r"\([^()]*\)")
# Periods end a word as well as whitespace, so "S.M.Kakade" still yields three words.
_WORD_BOUNDARY = re.compile(r"[\s.]+")


@dataclass(frozen=True)
class ParsedName:
    given: tuple[str, ...]
    surname: str

    @cached_property
    def key(self) -> str:
        # Spaces are dropped so "Del Maestro" and "Delmaestro" index together. Cached:
        # following "Wei Wang" compares it with thousands of spellings under Wang.
        return self.surname.replace(" ", "")


# One pass over ASCII text: hyphens and periods separate, other punctuation is deleted
# (apostrophes and the like: "O'Brien" is one name), white space becomes a space.
_ASCII_TABLE = str.maketrans(
    {
        **{chr(c): None for c in range(128) if not chr(c).isalnum() and not chr(c).isspace()},
        "-": " ",
        ".": " ",
        **dict.fromkeys("\t\n\r\x0b\x0c", " "),
    }
)


def normalise(text: str) -> str:
    folded = (text if text.isascii() else anyascii(text)).lower()
    return " ".join(folded.translate(_ASCII_TABLE).split())


def _word_tokens(word: str) -> list[str]:
    # Letterless tokens are footnote markers or stray numbers from scraped author lists.
    # Tokens are [a-z0-9]+ here, so "has a letter" is "is not all digits".
    return [token for token in normalise(word).split() if not token.isdigit()]


def _words(text: str) -> list[list[str]]:
    words = (_word_tokens(word) for word in _WORD_BOUNDARY.split(text))
    return [tokens for tokens in words if tokens]


def _is_suffix(tokens: Sequence[str]) -> bool:
    return len(tokens) == 1 and tokens[0] in _SUFFIXES


def _drop_trailing_suffixes(words: list[list[str]], keep: int, numeral_keep: int) -> list[list[str]]:
    words = list(words)
    while words and _is_suffix(words[-1]):
        minimum = keep if words[-1][0] in _ALWAYS_SUFFIXES else numeral_keep
        if len(words) - 1 < minimum:
            break
        words.pop()
    return words


def _flatten(words: list[list[str]]) -> tuple[str, ...]:
    return tuple(token for tokens in words for token in tokens)


def _is_particle(tokens: list[str]) -> bool:
    return len(tokens) == 1 and tokens[0] in PARTICLES


def _parse_comma_form(surname_part: str, given_part: str) -> ParsedName:
    # Either side of the comma is known to be a name part, so a lone trailing numeral
    # there is a suffix, not a surname like "Ii".
    surname_words = _drop_trailing_suffixes(_words(surname_part), keep=1, numeral_keep=1)
    given_words = _drop_trailing_suffixes(_words(given_part), keep=1, numeral_keep=1)
    return ParsedName(given=_flatten(given_words), surname=" ".join(_flatten(surname_words)))


def _parse_words(words: list[list[str]]) -> ParsedName:
    words = _drop_trailing_suffixes(words, keep=1, numeral_keep=2)
    start = len(words) - 1
    # Stop at index 1: the first word always stays a given name, so "Van Morrison"
    # keeps "van" as a given name instead of becoming a surname-only name.
    while start > 1 and _is_particle(words[start - 1]):
        start -= 1
    return ParsedName(given=_flatten(words[:start]), surname=" ".join(_flatten(words[start:])))


def _is_suffix_segment(segment: str) -> bool:
    words = _words(segment)
    return bool(words) and all(_is_suffix(tokens) for tokens in words)


# Most names are plain ASCII words and initials ("Sham M. Kakade"): no commas,
# parentheses, hyphens, apostrophes or digits. Those take the short way below.
_PLAIN_NAME = re.compile(r"[A-Za-z. ]+")


@lru_cache(maxsize=100_000)
def parse_name(name: str) -> ParsedName:
    """Parse an author name. Cached: the same names recur across thousands of papers."""
    if _PLAIN_NAME.fullmatch(name):
        tokens = name.lower().replace(".", " ").split()
        # What _parse_words does for such a name, unless a suffix or particle is involved.
        if tokens and tokens[-1] not in _SUFFIXES and not (len(tokens) > 2 and tokens[-2] in PARTICLES):
            return ParsedName(given=tuple(tokens[:-1]), surname=tokens[-1])
    text = name if name.isascii() else anyascii(name)
    # Loop so nested parentheses are removed from the inside out.
    while True:
        without = _PARENTHESISED.sub(" ", text)
        if without == text:
            break
        text = without
    parsed = [(segment, _words(segment)) for segment in text.split(",")]
    segments = [(segment, words) for segment, words in parsed if words]
    if not segments:
        raise ValueError(f"name has no letters: {name!r}")
    if len(segments) == 1:
        return _parse_words(segments[0][1])
    head, *rest = (segment for segment, _ in segments)
    # "Sham Kakade, Jr." and "King, Jr., Martin" carry the suffix as its own segment.
    rest = [segment for segment in rest if not _is_suffix_segment(segment)]
    if len(rest) == 1:
        return _parse_comma_form(head, rest[0])
    # With two or more commas the structure is ambiguous (possibly an affiliation or a
    # list), so commas are read as plain word breaks.
    return _parse_words(_words(" ".join([head, *rest])))


@lru_cache(maxsize=100_000)
def surname_key(name: str) -> str:
    """The key a name is indexed under; cached like parse_name, since every stored
    author asks for it."""
    return parse_name(name).key


def _compatible(a: str, b: str) -> bool:
    # A prefix is not an initial: "krish" must not match "krishna".
    if a == b:
        return True
    if len(a) == 1:
        return b.startswith(a)
    if len(b) == 1:
        return a.startswith(b)
    return False


# A two-word surname is written with a hyphen ("Ana García-López") or a space ("Ana
# García López"), and a name with a space reads as given names plus a one-word surname.
# Up to this many surname words (particles such as "de la" not counted) may be read as
# given names on one side.
MAX_SURNAME_WORDS_MOVED = 2


def _movable(words: tuple[str, ...]) -> bool:
    """Words that may pass between given names and surname: whole words (an initial never
    stands for a surname word), at most MAX_SURNAME_WORDS_MOVED of them besides particles."""
    return (
        all(len(w) > 1 for w in words) and sum(w not in PARTICLES for w in words) <= MAX_SURNAME_WORDS_MOVED
    )


def lookup_keys(name: ParsedName) -> tuple[str, ...]:
    """The surname keys this person's papers may be indexed under: their own first, then
    those of the other readings of a compound surname. "Ana García-López" is also looked
    for under López, "Ana García López" also under GarcíaLópez. A given name always stays."""
    keys = [name.key]
    words = tuple(name.surname.split())
    keys += ["".join(words[start:]) for start in range(1, len(words)) if _movable(words[:start])]
    for moved in range(1, len(name.given)):
        part = name.given[-moved:]
        if not _movable(part):
            break
        keys.append("".join(part) + name.key)
    return tuple(dict.fromkeys(keys))


def _read_with_surname(name: ParsedName, surname: tuple[str, ...]) -> ParsedName | None:
    """`name` re-read with a longer surname, when its last given names are the missing
    surname words, whole, and a given name remains; None otherwise."""
    own = tuple(name.surname.split())
    moved = len(surname) - len(own)
    if moved <= 0 or len(name.given) <= moved or name.given[-moved:] + own != surname:
        return None
    if not _movable(surname[:moved]):
        return None
    return ParsedName(given=name.given[:-moved], surname=" ".join(surname))


def _same_surname(follow: ParsedName, candidate: ParsedName) -> tuple[ParsedName, ParsedName] | None:
    """Both names read with one surname, when one spells a compound surname with a space
    and the other with a hyphen; None when their surnames differ."""
    # Either way, a compound surname ends in the same word. A fetch compares every author
    # of every paper returned with each follow: most pairs end here, at once.
    if follow.surname.rsplit(" ", 1)[-1] != candidate.surname.rsplit(" ", 1)[-1]:
        return None
    follow_words, candidate_words = tuple(follow.surname.split()), tuple(candidate.surname.split())
    if len(follow_words) > len(candidate_words):
        reread = _read_with_surname(candidate, follow_words)
        return (follow, reread) if reread else None
    reread = _read_with_surname(follow, candidate_words)
    return (reread, candidate) if reread else None


def match_strength(follow: ParsedName, candidate: ParsedName) -> MatchStrength | None:
    if follow.key != candidate.key:
        pair = _same_surname(follow, candidate)
        if pair is None:
            return None
        follow, candidate = pair
        # Re-read, a missing middle name would let the spelling decide: "Juan Martín
        # López" is not "Juan Pablo Martín López", so not "Juan Pablo Martín-López".
        if len(follow.given) != len(candidate.given):
            return None
    if not follow.given or not candidate.given:
        return "exact" if follow.given == candidate.given else None
    # Given names agree only if their first letters do: most of the spellings under a
    # common surname end here.
    if follow.given[0][0] != candidate.given[0][0]:
        return None
    # zip stops at the shorter side, which is what lets a missing middle name pass.
    if not all(_compatible(f, c) for f, c in zip(follow.given, candidate.given, strict=False)):
        return None
    first_follow, first_candidate = follow.given[0], candidate.given[0]
    if len(first_follow) > 1 and len(first_candidate) > 1:
        return "exact"
    return "initial"


def has_whole_first(name: ParsedName) -> bool:
    """Whether the first given name is written out ("Jun Zhu", not "J. Zhu")."""
    return bool(name.given) and len(name.given[0]) > 1


def follow_strength(follow: ParsedName, candidate: ParsedName) -> MatchStrength | None:
    """match_strength as a follow reads it: a follow by initials ("C. Balázs") asked for
    no more than them, so whatever matches it matches what it asked: "exact"."""
    strength = match_strength(follow, candidate)
    if strength == "initial" and not has_whole_first(follow):
        return "exact"
    return strength


def similar_surname(follow: ParsedName, candidate: ParsedName) -> bool:
    """Someone else with the followed person's surname, spelled with a space or a hyphen
    ("Pedro García López" beside "Ana García-López"), but not "Juan López"."""
    if follow.key != candidate.key and _same_surname(follow, candidate) is None:
        return False
    return match_strength(follow, candidate) is None


# --- names in their parts, for citations ---------------------------------------------------
# BibTeX, CSL-JSON and RIS want given and family names as written on the paper (accents
# and all), so these split the name as spelt; parse_name's reading decides where.

# Names that are not a person's: given and family names would be nonsense for them.
_GROUP_RE = re.compile(
    r"\b(collaboration|consortium|team|group|committee|project|initiative|network|society|"
    r"association|institute|laboratory|university|et al)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NameParts:
    """An author's name in its parts, spelt as on the paper (accents and all)."""

    given: str
    family: str
    particle: str = ""  # "van" in Ludwig van Beethoven: part of the family name, sorted apart
    suffix: str = ""  # "Jr."


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_word_tokens(text))


def _is_suffix_text(text: str) -> bool:
    return _is_suffix(_tokens(text))


def _with_particle(given: str, family: str, suffix: str) -> NameParts:
    words = family.split()
    lead = 0
    while lead < len(words) - 1 and _tokens(words[lead]) and _tokens(words[lead])[0] in PARTICLES:
        lead += 1
    return NameParts(given, " ".join(words[lead:]), " ".join(words[:lead]), suffix)


@lru_cache(maxsize=100_000)
def split_name(name: str) -> NameParts | None:
    """Given and family names as written, checked against `parse_name`'s reading; None
    for a collaboration or a name that cannot be split for sure."""
    text = one_line(name)
    if not text or "(" in text or _GROUP_RE.search(text):
        return None
    try:
        parsed = parse_name(text)
    except ValueError:
        return None
    surname = tuple(parsed.surname.split())
    segments = [s.strip() for s in text.split(",")]
    if len(segments) > 1:
        # "Kakade, Sham M.", "King, Jr., Martin", "Kakade, Sham, Jr." and "Sham Kakade, Jr."
        if len(segments) == 2 and _is_suffix_text(segments[1]):
            inner = split_name(segments[0])
            return NameParts(inner.given, inner.family, inner.particle, segments[1]) if inner else None
        if len(segments) == 2:
            family, given, suffix = segments[0], segments[1], ""
        elif len(segments) == 3 and _is_suffix_text(segments[1]):
            family, suffix, given = segments
        elif len(segments) == 3 and _is_suffix_text(segments[2]):
            family, given, suffix = segments
        else:
            return None
        if _tokens(family) != surname or _tokens(given) != parsed.given:
            return None
        return _with_particle(given, family, suffix)
    words = text.split()
    tokens = [_tokens(w) for w in words]
    end = len(words)
    while end > 0:
        # The surname is the run of words just before any suffixes ("Jr.", "III").
        joined: tuple[str, ...] = ()
        for start in range(end - 1, -1, -1):
            joined = tokens[start] + joined
            if joined == surname:
                if tuple(t for part in tokens[:start] for t in part) != parsed.given:
                    return None
                return _with_particle(
                    " ".join(words[:start]), " ".join(words[start:end]), " ".join(words[end:])
                )
            if len(joined) > len(surname):
                break
        if not _is_suffix(tokens[end - 1]):
            return None
        end -= 1
    return None


# --- near names, for "did you mean" ----------------------------------------------------------

# German umlauts and ß are written two ways in Latin letters: "Gähler" is "Gaehler", "Groß"
# is "Gross". anyascii already turns ä into a and ß into ss; folding ae, oe and ue to one
# letter makes "Gaehler" and "Gähler" the same word.
_TRANSLITERATIONS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """A normalised name with umlauts written out (ae, oe, ue) read as the plain vowel."""
    text = normalise(text)
    for long, short in _TRANSLITERATIONS:
        text = text.replace(long, short)
    return text


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours between a and b
    (optimal string alignment), or `limit + 1` once it is sure to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def readings(name: ParsedName) -> list[ParsedName]:
    """The name as given, and read surname first ("Gähler Franz", "Torchinsky, A." is
    already read that way by parse_name)."""
    words = (*name.given, *name.surname.split())
    found = [name]
    if len(words) >= 2:
        found.append(ParsedName(given=tuple(words[1:]), surname=words[0]))
    return found


# --- citation names -------------------------------------------------------------------------

# "others" alone is the marker; "John Others" is a person.
_ET_AL_RE = re.compile(r"(?:^|[\s,;]+)(?:et\.?\s*al\.?|and\s+others)\s*$|^\s*others\s*$", re.IGNORECASE)


def split_et_al(names: list[str]) -> tuple[list[str], bool]:
    """The names as written, and whether the list ends in "et al." / "and others": as a
    name of its own ("B. Aubert, et al") or at the end of the last ("B. Aubert et al.").
    A citation says the list goes on in each format's own way, instead of naming a
    person "et al"."""
    if not names:
        return names, False
    last = one_line(names[-1])
    m = _ET_AL_RE.search(last)
    if not m:
        return names, False
    rest = last[: m.start()].strip(" ,;")
    return ([*names[:-1], rest] if rest else names[:-1]), True
