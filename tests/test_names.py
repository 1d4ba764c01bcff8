import pytest

from radar.names import (
    NameParts,
    ParsedName,
    lookup_keys,
    match_strength,
    normalise,
    parse_name,
    similar_surname,
    split_name,
    surname_key,
)

NORMALISE_CASES = [
    pytest.param("Paweł", "pawel", id="l-stroke"),
    pytest.param("Łukasz", "lukasz", id="capital-l-stroke"),
    pytest.param("Søren Ørsted", "soren orsted", id="o-slash"),
    pytest.param("Đorđe Đurić", "dorde duric", id="d-stroke"),
    pytest.param("Weiß", "weiss", id="sharp-s"),
    pytest.param("Sébastien", "sebastien", id="combining-accent"),
    pytest.param("J.-P.", "j p", id="periods-and-hyphens-separate"),
    pytest.param("Birch-Sykes", "birch sykes", id="hyphen-separates"),
    pytest.param("O'Brien", "obrien", id="apostrophe-removed"),
    pytest.param("  YANN \t  LeCun ", "yann lecun", id="case-and-whitespace"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISE_CASES)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


PARSE_CASES = [
    pytest.param("Sham M. Kakade", ("sham", "m"), "kakade", id="first-middle-last"),
    pytest.param("S. M. Kakade", ("s", "m"), "kakade", id="spaced-initials"),
    pytest.param("S.M. Kakade", ("s", "m"), "kakade", id="joined-initials"),
    pytest.param("S.M.Kakade", ("s", "m"), "kakade", id="no-spaces-after-periods"),
    pytest.param("Sham M Kakade", ("sham", "m"), "kakade", id="initial-without-period"),
    pytest.param("S M Kakade", ("s", "m"), "kakade", id="initials-without-periods"),
    pytest.param("J.-P. Sartre", ("j", "p"), "sartre", id="hyphenated-initials"),
    pytest.param("Jean-Pierre Serre", ("jean", "pierre"), "serre", id="hyphenated-given"),
    pytest.param("Callum Birch-Sykes", ("callum",), "birch sykes", id="hyphenated-surname"),
    pytest.param("Kakade, Sham M.", ("sham", "m"), "kakade", id="comma-form"),
    pytest.param("Birch-Sykes, Callum", ("callum",), "birch sykes", id="comma-hyphenated"),
    pytest.param("del Maestro, Adrian", ("adrian",), "del maestro", id="comma-particle"),
    pytest.param("Adrian Del Maestro", ("adrian",), "del maestro", id="capitalised-particle"),
    pytest.param("Ludwig van Beethoven", ("ludwig",), "van beethoven", id="particle-van"),
    pytest.param("Johannes van der Waals", ("johannes",), "van der waals", id="two-word-particle"),
    pytest.param("Maria de la Cruz", ("maria",), "de la cruz", id="particle-de-la"),
    pytest.param("Van Morrison", ("van",), "morrison", id="particle-keeps-sole-given"),
    pytest.param("Van der Waals", ("van",), "der waals", id="particles-keep-first-given"),
    pytest.param("Martin Luther King Jr.", ("martin", "luther"), "king", id="suffix-jr"),
    pytest.param("Robert Downey Sr", ("robert",), "downey", id="suffix-sr"),
    pytest.param("Henry Ford III", ("henry",), "ford", id="suffix-iii"),
    pytest.param("John Smith II", ("john",), "smith", id="suffix-ii"),
    pytest.param("John Smith IV", ("john",), "smith", id="suffix-iv"),
    pytest.param("Sham Kakade, Jr.", ("sham",), "kakade", id="comma-suffix"),
    pytest.param("King, Martin Luther, Jr.", ("martin", "luther"), "king", id="comma-form-comma-suffix"),
    pytest.param("Naoki Ii", ("naoki",), "ii", id="numeral-surname-kept"),
    pytest.param("Sham Kakade (Harvard University)", ("sham",), "kakade", id="parentheses"),
    pytest.param("Kakade, Sham (Harvard, MIT)", ("sham",), "kakade", id="comma-in-parentheses"),
    pytest.param("Sham Kakade (SEAS (Harvard))", ("sham",), "kakade", id="nested-parentheses"),
    pytest.param("Sham Kakade 1", ("sham",), "kakade", id="footnote-number-dropped"),
    pytest.param("Kakade", (), "kakade", id="single-token"),
    pytest.param("YANN LECUN", ("yann",), "lecun", id="upper-case"),
    pytest.param("Sébastien Bubeck", ("sebastien",), "bubeck", id="accented"),
]


@pytest.mark.parametrize(("name", "given", "surname"), PARSE_CASES)
def test_parse_name(name: str, given: tuple[str, ...], surname: str) -> None:
    assert parse_name(name) == ParsedName(given=given, surname=surname)


KEY_CASES = [
    pytest.param("Adrian Del Maestro", "delmaestro", id="particle"),
    pytest.param("Callum Birch-Sykes", "birchsykes", id="hyphenated"),
    pytest.param("Kakade, Sham M.", "kakade", id="comma-form"),
    pytest.param("Johannes van der Waals", "vanderwaals", id="two-particles"),
]


@pytest.mark.parametrize(("name", "key"), KEY_CASES)
def test_surname_key(name: str, key: str) -> None:
    assert surname_key(name) == key
    assert parse_name(name).key == key


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("  ", id="blank"),
        pytest.param("...", id="punctuation"),
        pytest.param("(MIT)", id="only-parentheses"),
        pytest.param("- , 42", id="no-letters"),
    ],
)
def test_parse_name_rejects_names_without_letters(name: str) -> None:
    with pytest.raises(ValueError):
        parse_name(name)


MATCH_CASES = [
    # Middle names may be missing on either side, in any spelling of the name.
    pytest.param("Sham Kakade", "Sham M. Kakade", "exact", id="middle-absent-follow"),
    pytest.param("Sham Kakade", "Sham M Kakade", "exact", id="middle-no-period"),
    pytest.param("Sham Kakade", "Kakade, Sham M.", "exact", id="comma-form"),
    pytest.param("Sham M. Kakade", "Sham Kakade", "exact", id="middle-absent-candidate"),
    pytest.param("Sham M. Kakade", "Sham Mohan Kakade", "exact", id="middle-initial-vs-full"),
    pytest.param("Sham X. Kakade", "Sham M. Kakade", None, id="middle-conflict"),
    pytest.param("S. M. Kakade", "Sham M. Kakade", "initial", id="initials-with-middle"),
    pytest.param("S. M. Kakade", "M. Kakade", None, id="middle-is-not-first"),
    # A prefix is not an initial.
    pytest.param("Krish Sharma", "Krishna Sharma", None, id="prefix-not-initial"),
    pytest.param("Krish Sharma", "Pratyusha Sharma", None, id="different-given"),
    pytest.param("Akshay Krishnamurthy", "Aravind Krishnamurthy", None, id="same-first-letter"),
    pytest.param("Akshay Krishnamurthy", "A. Krishnamurthy", "initial", id="candidate-initial"),
    pytest.param("A. Krishnamurthy", "Akshay Krishnamurthy", "initial", id="follow-initial"),
    pytest.param("A. Krishnamurthy", "A. Krishnamurthy", "initial", id="both-initials"),
    pytest.param("A. Krishnamurthy", "B. Krishnamurthy", None, id="initials-differ"),
    # Accent folding, including letters that do not decompose in Unicode.
    pytest.param("Sebastien Bubeck", "Sébastien Bubeck", "exact", id="accent"),
    pytest.param("Paweł Łukasz", "Pawel Lukasz", "exact", id="l-stroke"),
    pytest.param("Søren Ørsted", "Soren Orsted", "exact", id="o-slash"),
    pytest.param("Đorđe Đurić", "Dorde Duric", "exact", id="d-stroke"),
    pytest.param("Hans Weiß", "Hans Weiss", "exact", id="sharp-s"),
    pytest.param("Adrian Del Maestro", "Adrian del Maestro", "exact", id="particle-case"),
    pytest.param("YANN LECUN", "Yann LeCun", "exact", id="case"),
    pytest.param("Jean-Pierre Serre", "J.-P. Serre", "initial", id="hyphenated-initials"),
    pytest.param("Jean-Pierre Serre", "Jean Serre", "exact", id="hyphenated-middle-absent"),
    pytest.param("Xiao-Le Zhang", "Xiao Le Zhang", "exact", id="syllable-le-is-no-particle"),
    pytest.param("Duc Minh Le", "D. M. Le", "initial", id="vietnamese-surname-le"),
    pytest.param("Jean-Pierre Serre", "Jean-Luc Serre", None, id="hyphenated-conflict"),
    pytest.param("Sham Kakade", "Sham Kakadia", None, id="different-surname"),
    # A two-word surname, with a hyphen or a space: the other word must be there, whole.
    pytest.param("Ana García-López", "Ana García López", "exact", id="compound-hyphen-space"),
    pytest.param("Ana García-López", "García López, Ana", "exact", id="compound-comma-form"),
    pytest.param("Ana M. García López", "Ana M. García-López", "exact", id="compound-with-middle"),
    pytest.param("Ana García López", "A. García-López", "initial", id="compound-initial"),
    pytest.param("Juan Carlos Niebles", "Juan Carlos-Niebles", "exact", id="compound-from-given"),
    pytest.param("María José Álvarez Ruiz", "María José Álvarez-Ruiz", "exact", id="compound-two-given"),
    pytest.param("Ana García-López", "Ana López", None, id="compound-word-missing"),
    pytest.param("Ana García-López", "Ana G. López", None, id="compound-word-as-initial"),
    pytest.param("Ana García-López", "Ana García", None, id="compound-first-word-only"),
    pytest.param("Ana García López", "Pedro García-López", None, id="compound-other-person"),
    pytest.param("García López", "Ana García-López", None, id="compound-needs-a-given-name"),
    pytest.param("Juan Martín López", "Juan Pablo Martín-López", None, id="compound-no-missing-middle"),
    pytest.param("Ana M. López", "Ana M-López", None, id="compound-initial-is-no-surname-word"),
    pytest.param(
        "José María de la Torre Martínez", "José María de la Torre-Martínez", "exact", id="compound-particles"
    ),
    pytest.param("Jan van der Berg Smit", "Jan van der Berg-Smit", "exact", id="compound-dutch-particles"),
    # Surname-only names match only other surname-only names.
    pytest.param("Kakade", "Kakade", "exact", id="both-surname-only"),
    pytest.param("Kakade", "Sham Kakade", None, id="follow-surname-only"),
    pytest.param("Sham Kakade", "Kakade", None, id="candidate-surname-only"),
]


@pytest.mark.parametrize(("follow", "candidate", "expected"), MATCH_CASES)
def test_match_strength(follow: str, candidate: str, expected: str | None) -> None:
    assert match_strength(parse_name(follow), parse_name(candidate)) == expected


@pytest.mark.parametrize(("follow", "candidate", "expected"), MATCH_CASES)
def test_match_strength_is_symmetric(follow: str, candidate: str, expected: str | None) -> None:
    assert match_strength(parse_name(candidate), parse_name(follow)) == expected


@pytest.mark.parametrize(("follow", "candidate", "expected"), MATCH_CASES)
def test_every_match_is_under_a_key_the_follow_looks_up(
    follow: str, candidate: str, expected: str | None
) -> None:
    """The store is searched by surname key: a match under another key would never be read."""
    if expected is not None:
        assert parse_name(candidate).key in lookup_keys(parse_name(follow))


def _generated_names() -> list[str]:
    givens = [("Ana",), ("A.",), ("Ana", "María"), ("Ana", "M."), ("Juan", "Pablo"), ("Pedro",)]
    surnames = [
        ("García", "López"),
        ("López",),
        ("García",),
        ("de", "la", "Torre", "Ruiz"),
        ("Pablo", "López"),
    ]
    names = []
    for given in givens:
        for surname in surnames:
            names += [
                " ".join(given + surname),  # spaced
                " ".join(given) + " " + "-".join(surname[-2:]) if len(surname) > 1 else "",  # hyphenated end
                ", ".join([" ".join(surname), " ".join(given)]),  # comma form
                # the last given name hyphenated to the surname ("Ana M-López")
                " ".join([*given[:-1], given[-1].rstrip(".") + "-" + surname[0], *surname[1:]]),
            ]
    return sorted({n.replace(" ,", ",") for n in names if n})


def test_generated_names_match_symmetrically_and_under_a_looked_up_key() -> None:
    names = [(n, parse_name(n)) for n in _generated_names()]
    for follow_text, follow in names:
        keys = lookup_keys(follow)
        for candidate_text, candidate in names:
            strength = match_strength(follow, candidate)
            assert strength == match_strength(candidate, follow), (follow_text, candidate_text)
            if strength is not None:
                assert candidate.key in keys, (follow_text, candidate_text)


def test_lookup_keys_move_only_whole_words_and_keep_a_given_name() -> None:
    assert lookup_keys(parse_name("Ana García-López")) == ("garcialopez", "lopez")
    assert lookup_keys(parse_name("Ana García López")) == ("lopez", "garcialopez")
    assert lookup_keys(parse_name("Ana M. García López")) == ("lopez", "garcialopez")
    assert lookup_keys(parse_name("Sham M. Kakade")) == ("kakade",)
    assert lookup_keys(parse_name("Akshay Krishnamurthy")) == ("krishnamurthy",)
    assert lookup_keys(parse_name("Kakade")) == ("kakade",)


SIMILAR_CASES = [
    pytest.param("Krish Sharma", "Pratyusha Sharma", True, id="near-miss"),
    pytest.param("Krish Sharma", "Krishna Sharma", True, id="prefix-near-miss"),
    pytest.param("Sham Kakade", "Kakade", True, id="surname-only-near-miss"),
    pytest.param("Sham Kakade", "Sham M. Kakade", False, id="exact-match"),
    pytest.param("Akshay Krishnamurthy", "A. Krishnamurthy", False, id="initial-match"),
    pytest.param("Krish Sharma", "Krish Verma", False, id="different-surname"),
    pytest.param("Ana García-López", "Pedro García López", True, id="compound-spaced-namesake"),
    pytest.param("Ana García López", "Pedro García-López", True, id="compound-hyphenated-namesake"),
    pytest.param("Ana García-López", "Ana García López", False, id="compound-same-person"),
    pytest.param("Ana García-López", "Juan López", False, id="compound-last-word-only"),
    pytest.param("Ana García-López", "Juan Martín López", False, id="compound-other-compound"),
]


@pytest.mark.parametrize(("follow", "candidate", "expected"), SIMILAR_CASES)
def test_similar_surname(follow: str, candidate: str, expected: bool) -> None:
    assert similar_surname(parse_name(follow), parse_name(candidate)) is expected


def test_key_removes_surname_spaces() -> None:
    assert ParsedName(given=("adrian",), surname="del maestro").key == "delmaestro"


# Citation formats take the name in its parts as written; the split follows parse_name's
# reading (one suffix list, one particle list), so "Ii" stays a surname in both.
SPLIT_CASES = [
    pytest.param("Naoki Ii", NameParts("Naoki", "Ii"), id="numeral-surname"),
    pytest.param("John Smith III", NameParts("John", "Smith", suffix="III"), id="numeral-suffix"),
    pytest.param("Smith, John, III", NameParts("John", "Smith", suffix="III"), id="comma-suffix-last"),
    pytest.param("King, Jr., Martin", NameParts("Martin", "King", suffix="Jr."), id="comma-suffix-middle"),
    pytest.param("Sham Kakade, Jr.", NameParts("Sham", "Kakade", suffix="Jr."), id="suffix-after-comma"),
    pytest.param("Ludwig van Beethoven", NameParts("Ludwig", "Beethoven", "van"), id="particle"),
    pytest.param("Jean-Pierre de la Fontaine", NameParts("Jean-Pierre", "Fontaine", "de la"), id="particles"),
    pytest.param("José García-Márquez", NameParts("José", "García-Márquez"), id="accents-kept"),
    pytest.param("The ATLAS Collaboration", None, id="collaboration"),
    pytest.param("Ana Smith (MIT)", None, id="affiliation"),
]


@pytest.mark.parametrize(("name", "expected"), SPLIT_CASES)
def test_split_name_for_citations(name: str, expected: NameParts | None) -> None:
    assert split_name(name) == expected
