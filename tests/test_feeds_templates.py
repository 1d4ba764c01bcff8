"""The test templates stay faithful to the real responses they imitate."""

from feeds import FIXTURES, Item, api_feed, rss_feed

from radar.sources.arxiv_api import parse_api_response
from radar.sources.arxiv_rss import parse_listing


def test_rss_template_parses_like_the_real_listing() -> None:
    real = parse_listing((FIXTURES / "rss_csLG_2026-04-27_trimmed_3items.xml").read_bytes())
    made = parse_listing(rss_feed([Item("2611.00001", authors=["A B", "C D"])]))
    assert real.title.endswith("updates on arXiv.org") and made.title.endswith("updates on arXiv.org")
    paper = made.papers[0]
    assert (paper.id, paper.version, paper.announce_type, str(paper.announced)) == (
        "2611.00001",
        1,
        "new",
        "2026-11-20",
    )
    assert [a.name for a in paper.authors] == ["A B", "C D"]


def test_api_template_parses_like_the_real_response() -> None:
    page = parse_api_response(api_feed([Item("2611.00002", version=3)], total=7))
    assert page.total_results == 7
    assert (page.papers[0].id, page.papers[0].version, page.papers[0].announce_type) == (
        "2611.00002",
        3,
        "replace",
    )
