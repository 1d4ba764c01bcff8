"""Parsing real arXiv responses (tests/fixtures/arxiv) and template-built variants of them."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from feeds import FIXTURES, RSS_HEAD, RSS_TAIL, Item, api_feed, rss_feed

from radar.errors import ArxivQueryError, BadResponseError
from radar.sources.arxiv_api import parse_api_response
from radar.sources.arxiv_rss import parse_listing, split_creators

API_2016 = "api_atom_2016_au_del_maestro_10entries.xml"
API_CS = "api_atom_2026_cat_csLG_OR_csAI_20entries.xml"
API_EMPTY = "api_atom_2026_empty_result.xml"
API_ERROR = "api_atom_2026_http400_error_entry.xml"
API_TESTING = "api_atom_2026_search_testing_100entries.xml"
RSS_COMBINED = "rss_combined_csLG+csAI+csCL+statML_2026-09-24_trimmed_4items.xml"
RSS_CSLG = "rss_csLG_2026-04-27_trimmed_3items.xml"
RSSATOM = "rssatom_csLG_2026-09-25_trimmed_3entries_abstracts_truncated.xml"

LISTING_FIXTURES = [RSS_COMBINED, RSS_CSLG, RSSATOM]
ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.xml"))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str):
    """Papers of a fixture, parsed the way its kind needs."""
    if name.startswith("api"):
        return parse_api_response(fixture(name)).papers
    return parse_listing(fixture(name)).papers


def test_every_fixture_is_known_to_this_module() -> None:
    # A fixture added later must get a count in test_fixture_counts too.
    assert set(ALL_FIXTURES) == {API_2016, API_CS, API_EMPTY, API_ERROR, API_TESTING, *LISTING_FIXTURES}


@pytest.mark.parametrize(
    ("name", "count"),
    [
        (API_2016, 10),
        (API_CS, 20),
        (API_EMPTY, 0),
        (API_TESTING, 100),
        (RSS_COMBINED, 4),
        (RSS_CSLG, 3),
        (RSSATOM, 3),
    ],
)
def test_fixture_counts(name: str, count: int) -> None:
    if name.startswith("api"):
        page = parse_api_response(fixture(name))
        papers, skipped = page.papers, page.skipped
    else:
        listing = parse_listing(fixture(name))
        papers, skipped = listing.papers, listing.skipped
    assert len(papers) == count
    assert skipped == []
    # Every paper has an id, a title and at least one category.
    assert all(p.id and p.title and p.categories and p.primary_category == p.categories[0] for p in papers)
    assert len({p.id for p in papers}) == count


@pytest.mark.parametrize(
    ("name", "paper_id", "version", "primary", "categories", "authors"),
    [
        (
            API_2016,
            "1201.4869",
            1,
            "cond-mat.mes-hall",
            ["cond-mat.mes-hall", "cond-mat.other"],
            ["Adrian Del Maestro"],
        ),
        (
            API_CS,
            "2604.26951",
            1,
            "cs.CL",
            ["cs.CL", "cs.AI", "cs.LG"],
            ["Gongbo Zhang", "Wen Wang", "Ye Tian", "Li Yuan"],
        ),
        (
            API_TESTING,
            "2202.12139",
            1,
            "cs.SE",
            ["cs.SE", "cs.LG"],
            ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"],
        ),
        (RSS_COMBINED, "2609.26811", 1, "cs.LG", ["cs.LG"], ["Fabien Polly"]),
        (
            RSS_CSLG,
            "2604.21952",
            1,
            "cs.LG",
            ["cs.LG", "cs.AI", "cs.AR", "cs.NE", "cs.RO"],
            [
                "Muhammad Shafique",
                "Abdul Basit",
                "Muhammad Abdullah Hanif",
                "Alberto Marchisio",
                "Rachmad Vidya Wicaksana Putra",
                "Minghao Shao",
            ],
        ),
        (
            RSSATOM,
            "2609.28553",
            1,
            "cs.LG",
            ["cs.LG", "cs.AI"],
            [
                "Quang Minh Nguyen",
                "Thuy Quynh Nguyen",
                "Duc Minh Le",
                "Ho Nhat Minh Nguyen",
                "Thanh Long Dai Doan",
                "Trong Nghia Nguyen",
            ],
        ),
    ],
)
def test_first_paper(
    name: str, paper_id: str, version: int, primary: str, categories: list[str], authors: list[str]
) -> None:
    first = parse_fixture(name)[0]
    assert first.id == paper_id
    assert first.version == version
    assert first.primary_category == primary
    assert first.categories == categories
    assert [a.name for a in first.authors] == authors


def test_api_primary_category_is_moved_first() -> None:
    # The API lists <category> elements in any order; radar puts the primary first.
    page = parse_api_response(api_feed([Item("2611.00001", categories=["cs.LG", "cs.AI"])]))
    assert page.papers[0].categories == ["cs.LG", "cs.AI"]
    content = api_feed([Item("2611.00001", categories=["cs.LG", "cs.AI"])]).replace(
        b'<arxiv:primary_category term="cs.LG"/>', b'<arxiv:primary_category term="cs.AI"/>'
    )
    paper = parse_api_response(content).papers[0]
    assert paper.primary_category == "cs.AI"
    assert paper.categories == ["cs.AI", "cs.LG"]


def test_old_style_id_in_2016_fixture() -> None:
    second = parse_fixture(API_2016)[1]
    assert (second.id, second.version) == ("cond-mat/0412498", 1)


@pytest.mark.parametrize("name", LISTING_FIXTURES)
def test_listing_abstracts_have_no_announce_prefix(name: str) -> None:
    papers = parse_fixture(name)
    assert papers
    for paper in papers:
        assert not paper.abstract.startswith("arXiv:"), paper.id
        assert "Announce Type" not in paper.abstract, paper.id
        assert "Abstract:" not in paper.abstract, paper.id
        assert paper.abstract == paper.abstract.strip()
        assert paper.abstract[0].isupper(), paper.id


def test_listing_abstract_text_is_kept_whole() -> None:
    combined = parse_fixture(RSS_COMBINED)
    assert combined[0].abstract.startswith("Local learning trains each layer with its own auxiliary loss")
    assert combined[0].abstract.endswith(
        "the local advantage concentrates precisely where normalization is absent."
    )
    assert combined[3].abstract.startswith("We introduce a class of random polytopes")
    atom = parse_fixture(RSSATOM)
    assert atom[1].abstract == (
        "In collider experiments, the kinematic reconstruction of heavy, short-lived particles is vital "
        "for precision tests of the Standard Model and in searches for physics beyond it."
    )
    # `&amp;` in the description is an ampersand in the abstract.
    assert "visual resolution & stride" in parse_fixture(RSS_CSLG)[0].abstract


def test_announce_types_from_combined_feed() -> None:
    papers = parse_fixture(RSS_COMBINED)
    assert [(p.id, p.version, p.announce_type) for p in papers] == [
        ("2609.26811", 1, "new"),
        ("2609.26820", 1, "new"),
        ("2205.06398", 2, "cross"),
        ("2009.13987", 3, "replace"),
    ]


def test_announce_types_from_atom_flavour() -> None:
    papers = parse_fixture(RSSATOM)
    assert [(p.id, p.version, p.announce_type) for p in papers] == [
        ("2609.28553", 1, "new"),
        ("2402.10149", 3, "cross"),
        ("2401.08875", 3, "replace"),
    ]
    # A cross-listing keeps the paper's own primary category.
    assert papers[1].primary_category == "hep-ph"
    assert papers[1].categories == ["hep-ph", "cs.LG", "hep-ex"]


@pytest.mark.parametrize(
    ("name", "day"),
    [(RSS_COMBINED, date(2026, 9, 24)), (RSS_CSLG, date(2026, 4, 27)), (RSSATOM, date(2026, 9, 25))],
)
def test_announce_date(name: str, day: date) -> None:
    listing = parse_listing(fixture(name))
    assert listing.announced == day
    assert [p.announced for p in listing.papers] == [day] * len(listing.papers)
    assert all(p.listing_date == day for p in listing.papers)


def test_doi_and_journal_ref_from_atom_flavour() -> None:
    papers = parse_fixture(RSSATOM)
    assert papers[0].doi == "10.1109/MAPR72750.2026.11685822"
    assert papers[0].journal_ref == (
        "2026 International Conference on Multimedia Analysis and Pattern Recognition (MAPR)"
    )
    assert papers[1].doi == "10.1103/PhysRevD.111.032004"
    assert papers[1].journal_ref is None
    assert (papers[2].doi, papers[2].journal_ref) == (None, None)


def test_doi_from_combined_rss_cross_item() -> None:
    papers = parse_fixture(RSS_COMBINED)
    assert papers[2].doi == "10.1093/bioinformatics/btac431"
    assert [p.doi for p in papers[:2] + papers[3:]] == [None, None, None]


def test_api_fields_doi_journal_ref_comment() -> None:
    first = parse_fixture(API_TESTING)[0]
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.journal_ref is not None and first.journal_ref.startswith(
        "Artificial Intelligence in Software Testing @ 2022 IEEE"
    )
    assert first.published is not None and first.published.isoformat() == "2022-02-24T15:05:19+00:00"
    # The API has no listing day; the submission day stands in.
    assert first.announced is None
    assert first.listing_date == date(2022, 2, 24)


def test_affiliations_from_api_fixture() -> None:
    papers = parse_fixture(API_TESTING)
    authors = {a.name: a.affiliations for p in papers for a in p.authors}
    assert authors["Marie-Claude Gaudel"] == ["LRI"]
    assert authors["Pascale Le Gall"] == ["IBISC"]
    # Nobody else in the fixture has an affiliation element.
    assert sum(1 for affs in authors.values() if affs) == 2


def test_2016_hard_wrapped_abstracts_are_one_line() -> None:
    papers = parse_fixture(API_2016)
    for paper in papers:
        assert "\n" not in paper.abstract, paper.id
        assert "  " not in paper.abstract, paper.id
        assert paper.abstract == paper.abstract.strip()
        assert "\n" not in paper.title
    # "...undergoes a phase transition to a\nfundamentally new state..." in the file.
    assert "phase transition to a fundamentally new state of matter" in papers[0].abstract
    assert papers[0].abstract.startswith("As helium-4 is cooled below 2.17 K")


def test_http400_error_feed_raises_query_error() -> None:
    with pytest.raises(ArxivQueryError, match="incorrect id format for abc"):
        parse_api_response(fixture(API_ERROR))


def test_empty_api_feed() -> None:
    page = parse_api_response(fixture(API_EMPTY))
    assert page.papers == []
    assert page.skipped == []
    assert page.total_results == 0
    assert page.items_per_page == 100


def test_api_totals() -> None:
    page = parse_api_response(fixture(API_CS))
    assert (page.total_results, page.start_index, page.items_per_page) == (364218, 0, 20)
    page_2016 = parse_api_response(fixture(API_2016))
    assert (page_2016.total_results, page_2016.start_index, page_2016.items_per_page) == (31, 0, 10)


def test_rss_feed_error_raises_query_error() -> None:
    good = rss_feed([], cats=("cs.XX",))
    bad = good.replace(
        b"<title>cs.XX updates on arXiv.org</title>", b"<title>Feed error for query: cs.XX</title>"
    )
    assert bad != good
    assert parse_listing(good).empty
    with pytest.raises(ArxivQueryError, match="Feed error for query: cs.XX"):
        parse_listing(bad)


def test_empty_rss_listing() -> None:
    content = (
        RSS_HEAD.format(cats="cs.LG", cats_plus="cs.LG", day_rfc="Sat, 21 Nov 2026") + RSS_TAIL
    ).encode()
    listing = parse_listing(content)
    assert listing.empty
    assert listing.papers == []
    assert listing.title == "cs.LG updates on arXiv.org"
    assert listing.announced == date(2026, 11, 21)


def test_listing_with_items_is_not_empty() -> None:
    assert not parse_listing(rss_feed([Item("2611.00001")])).empty


@pytest.mark.parametrize("name", ALL_FIXTURES)
@pytest.mark.parametrize("parser", [parse_api_response, parse_listing], ids=["api", "listing"])
def test_truncated_xml_is_refused(name: str, parser) -> None:
    content = fixture(name)
    half = content[: len(content) // 2]
    with pytest.raises(BadResponseError) as info:
        parser(half)
    # Not mistaken for arXiv's error feed.
    assert type(info.value) is BadResponseError


HTML_PAGES = [
    b"<!DOCTYPE html><html><head><title>arXiv.org</title></head><body><h1>Service unavailable</h1></body></html>",
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>arXiv.org e-Print archive</title>'
    b"</head><body><p>Try again later<br></body></html>",
]


@pytest.mark.parametrize("page", HTML_PAGES, ids=["well-formed", "html5"])
@pytest.mark.parametrize("parser", [parse_api_response, parse_listing], ids=["api", "listing"])
def test_html_page_is_refused(page: bytes, parser) -> None:
    with pytest.raises(BadResponseError) as info:
        parser(page)
    assert type(info.value) is BadResponseError


def test_rss_listing_given_to_api_parser_is_refused() -> None:
    with pytest.raises(BadResponseError, match="not an Atom feed"):
        parse_api_response(fixture(RSS_CSLG))


def test_split_creators_with_commas_and_nested_parentheses() -> None:
    authors = split_creators(
        "Jane Doe (MIT, Cambridge, MA), John Smith (Dept. of CS (EECS), Univ. X, USA), and Bob Lee"
    )
    assert [(a.name, a.affiliations) for a in authors] == [
        ("Jane Doe", ["MIT, Cambridge, MA"]),
        ("John Smith", ["Dept. of CS (EECS), Univ. X, USA"]),
        ("Bob Lee", []),
    ]


def test_split_creators_plain_list() -> None:
    authors = split_creators("Pritam Dey, Zhengwu Zhang, David B. Dunson")
    assert [(a.name, a.affiliations) for a in authors] == [
        ("Pritam Dey", []),
        ("Zhengwu Zhang", []),
        ("David B. Dunson", []),
    ]


def test_listing_creators_with_affiliations() -> None:
    content = rss_feed(
        [
            Item(
                "2611.00001",
                authors=["Jane Doe (MIT, Cambridge, MA)", "John Smith (Dept. of CS (EECS), Univ. X)"],
            )
        ]
    )
    authors = parse_listing(content).papers[0].authors
    assert [(a.name, a.affiliations) for a in authors] == [
        ("Jane Doe", ["MIT, Cambridge, MA"]),
        ("John Smith", ["Dept. of CS (EECS), Univ. X"]),
    ]


def test_replace_cross_item() -> None:
    content = rss_feed(
        [Item("2611.00003", version=2, announce="replace-cross", categories=["math.OC", "cs.LG"])]
    )
    listing = parse_listing(content)
    assert listing.skipped == []
    paper = listing.papers[0]
    assert (paper.id, paper.version, paper.announce_type) == ("2611.00003", 2, "replace-cross")
    assert paper.primary_category == "math.OC"
    assert paper.categories == ["math.OC", "cs.LG"]
    assert paper.announced == date(2026, 11, 20)
    assert paper.abstract == "We study things and find results."


def test_unknown_announce_type_is_skipped_not_trusted() -> None:
    listing = parse_listing(rss_feed([Item("2611.00004", announce="bogus"), Item("2611.00005")]))
    assert [p.id for p in listing.papers] == ["2611.00005"]
    assert len(listing.skipped) == 1 and "2611.00004" in listing.skipped[0]
    assert not listing.empty


def _controls(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")]


# Characters XML 1.0 allows in text: an 8-bit CSI (the one-byte ANSI escape introducer),
# NEL, a bidi override and a zero-width space.
HOSTILE_TITLE = "Evil \u009b31mred\u202e title\u200b end\u0085"


def test_controls_in_api_title_are_stripped() -> None:
    paper = parse_api_response(api_feed([Item("2611.00001", title=HOSTILE_TITLE)])).papers[0]
    assert paper.title == "Evil 31mred title end"


def test_controls_in_listing_title_are_stripped() -> None:
    paper = parse_listing(rss_feed([Item("2611.00001", title=HOSTILE_TITLE)])).papers[0]
    assert _controls(paper.title) == []
    # feedparser reads C1 controls as mis-decoded windows-1252 (U+009B becomes U+203A, a
    # harmless printable quote); everything else is dropped.
    assert paper.title.replace("\u203a", "") == "Evil 31mred title end"


def test_controls_in_author_names_and_abstract_are_stripped() -> None:
    item = Item("2611.00001", authors=["Eve\u202e Hacker\u009b2J"], abstract="Line one\u200b\u0085 two")
    for paper in (
        parse_api_response(api_feed([item])).papers[0],
        parse_listing(rss_feed([item])).papers[0],
    ):
        assert _controls(paper.authors[0].name) == []
        assert paper.authors[0].name.startswith("Eve Hacker")
        assert _controls(paper.abstract) == []


@pytest.mark.parametrize("builder", [api_feed, rss_feed], ids=["api", "listing"])
def test_raw_escape_character_makes_the_feed_refused(builder) -> None:
    # A raw ESC (7-bit ANSI escape) is not allowed in XML 1.0: the response is not trusted at all.
    content = builder([Item("2611.00001", title="Evil \x1b[31mred\x1b[0m title")])
    parser = parse_api_response if builder is api_feed else parse_listing
    with pytest.raises(BadResponseError):
        parser(content)


# arXiv abstracts are plain text (with LaTeX): `<` is a less-than sign, never markup.
MATH_ABSTRACTS = [
    "We show that x<y and p < 0.05 hold for <i>all</i> inputs & more.",
    "<script>alert(1)</script> is text here, as is <img src=x onerror=alert(1)> and a href=/abs/1.",
    "Bounds of $O(n^{<2})$ with $a<b>c$ and literal &amp; stay as written.",
]


@pytest.mark.parametrize("abstract", MATH_ABSTRACTS)
def test_rss_abstract_with_angle_brackets_is_kept_verbatim(abstract: str) -> None:
    item = Item("2611.00001", abstract=abstract)
    assert parse_listing(rss_feed([item])).papers[0].abstract == abstract
    assert parse_api_response(api_feed([item])).papers[0].abstract == abstract


def test_atom_listing_abstract_with_angle_brackets_is_kept_verbatim() -> None:
    raw = fixture(RSSATOM)
    edited = raw.replace(
        b"Drug toxicity prediction is critical",
        b"For x&lt;y and p &lt; 0.05 &lt;script&gt;alert(1)&lt;/script&gt; drug toxicity prediction is critical",
    )
    assert edited != raw
    abstract = parse_listing(edited).papers[0].abstract
    assert abstract.startswith(
        "For x<y and p < 0.05 <script>alert(1)</script> drug toxicity prediction is critical"
    )
