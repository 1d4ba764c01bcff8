"""radar today --format html: one self-contained page, the terminal's cards, every paper
string escaped; checked in a real headless Chromium when one is installed."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar, store_with
from feeds import Item

HOSTILE_TITLES = [
    "<script>document.title='pwned';document.body.innerHTML='PWNED'</script> Attention",
    "Closing </title></head><body><h1>fake</h1> tags",
    '"onerror=alert(1) x="<img src=x onerror="document.title=\'pwned\'"> images',
    "Templates {{ 7*7 }} and {% raw %} in titles",
]


class _Page(HTMLParser):
    """The tags, attributes and visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _hostile_store(tmp_path: Path) -> None:
    items = [
        Item(f"2611.{i:05d}", title=title, authors=["Ada Lovelace", "<b>Mallory</b> Smith"])
        for i, title in enumerate(HOSTILE_TITLES, start=100)
    ]
    items.append(
        Item(
            "2611.00200",
            title=r"Schr\"{o}dinger bridges and $\alpha$-divergence for MoS$_2$",
            authors=[r"Bal\'azs Szegedy", "Grace Hopper"],
            abstract=r"We prove an $O(\sqrt{T})$ bound for 50% of \emph{all} cases.",
        )
    )
    store_with(tmp_path, items)
    ok("follow", "--no-fetch", "Grace Hopper")
    ok("follow", "--no-fetch", "--category", "cs.LG")


def test_html_page_has_the_cards_and_escapes_every_paper_string(tmp_path: Path) -> None:
    _hostile_store(tmp_path)
    html = ok("today", "--format", "html")
    assert html.startswith("<!DOCTYPE html>")
    page = _parse(html)
    tags = [tag for tag, _ in page.tags]
    # No script, no image, no external resource: the only URLs are the cards' links.
    assert "script" not in tags and "img" not in tags and "link" not in tags and "h1" in tags
    assert tags.count("article") == 5
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("src", "href") and tag != "a":
                pytest.fail(f"{tag} loads {value}")
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert all(h and h.startswith("https://arxiv.org/abs/") for h in hrefs)
    for title in HOSTILE_TITLES:
        assert title in page.visible
    assert "{{ 7*7 }}" in page.visible and "49" not in page.visible
    assert "<b>Mallory</b> Smith" in page.visible
    # light and dark, styles inline
    assert "prefers-color-scheme: dark" in html
    # the header: the window, and what is followed
    assert "Following: author Grace Hopper · category cs.LG" in page.visible
    assert "2026-11-20" in page.visible
    # the same card facts as the terminal: rank, source, date, label, why
    assert "01. arXiv (cs.LG) · 2026-11-20 · NEW" in page.visible
    assert "Why:" in page.visible
    # a followed author is marked
    assert ("strong", {}) in page.tags and "<strong>Grace Hopper</strong>" in html
    # LaTeX shown as text
    assert "Schrödinger bridges and α-divergence for MoS₂" in page.visible
    assert "Balázs Szegedy" in page.visible
    assert "O(√(T)) bound for 50% of all cases" in page.visible


def test_output_file_and_nothing_counts_as_read(tmp_path: Path) -> None:
    _hostile_store(tmp_path)
    target = tmp_path / "digest.html"
    assert ok("today", "--format", "html", "-o", str(target)) == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # A page written to a file is not read: --unread still lists every card.
    assert ok("today", "--unread", "--format", "json").count('"rank"') == 5
    text = tmp_path / "today.txt"
    ok("today", "-o", str(text))
    assert "Schrödinger" in text.read_text(encoding="utf-8")


def test_an_output_file_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    # A mistyped directory is an error, not made: before, -o made /x/y/ and exited 0.
    _hostile_store(tmp_path)
    target = tmp_path / "x" / "y" / "z.html"
    result = run_radar("today", "--format", "html", "-o", str(target))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"Error: no such directory: {target.parent}\n"
    assert not (tmp_path / "x").exists()
    file = tmp_path / "a-file"
    file.write_text("")
    assert fails(1, "today", "-o", str(file / "z.txt")) == f"Error: not a directory: {file}\n"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(
    _chromium() is None, reason="no chromium on this machine (.ci/run installs Debian's chromium)"
)
def test_a_real_browser_shows_hostile_titles_as_text_and_runs_no_script(tmp_path: Path) -> None:
    _hostile_store(tmp_path)
    page = tmp_path / "digest.html"
    ok("today", "--format", "html", "-o", str(page))
    browser = _chromium()
    assert browser, "RADAR_TEST_REQUIRE_BROWSER is set but no chromium is installed"
    args = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=2000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _parse(done.stdout)
    # The DOM after the page ran: had any script run, the title, the body or the
    # elements would have changed.
    title = done.stdout.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("radar · ") and "pwned" not in title
    assert dom.visible.startswith("radar · "), dom.visible[:200]  # the body was not replaced
    tags = [tag for tag, _ in dom.tags]
    assert "script" not in tags and "img" not in tags and tags.count("article") == 5
    for hostile in HOSTILE_TITLES:
        assert hostile in dom.visible
    assert "Schrödinger bridges" in dom.visible
    shot = tmp_path / "digest.png"
    subprocess.run(
        [*args[:-2], f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000


# --- readable text from every source ------------------------------------------------------------

JAPANESE = "日本語の論文タイトル: 量子計算の新しい手法について"


def _feed(title_xml: str, encoding: str = "utf-8", declared: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{declared}"?>\n<rss version="2.0"><channel><title>Journal</title>'
        f"<item><title>{title_xml}</title><link>https://example.org/a</link>"
        "<description>An abstract.</description></item></channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize(
    ("title_xml", "expected"),
    [
        (
            "Growth of MoS&lt;sub&gt;2&lt;/sub&gt; on &lt;i&gt;E. coli&lt;/i&gt; membranes",
            "Growth of MoS₂ on E. coli membranes",
        ),
        ("Salt &amp;amp; pepper", "Salt & pepper"),
        ("<![CDATA[A <b>bold</b> claim &amp; more]]>", "A bold claim & more"),
        ("x&lt;sub&gt;ij,k&lt;/sub&gt; terms", "x_ij,k terms"),
        ("E = mc&lt;sup&gt;2&lt;/sup&gt;", "E = mc²"),
    ],
)
def test_journal_feed_titles_are_stored_as_text(title_xml: str, expected: str) -> None:
    from radar.sources.journal_feeds import parse_feed

    (paper,) = parse_feed(_feed(title_xml), "journal", "feed:1").papers
    assert paper.title == expected


def test_atom_title_types_are_respected() -> None:
    from radar.sources.journal_feeds import parse_feed

    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>J</title>'
        b'<entry><title type="html">MoS&lt;sub&gt;2&lt;/sub&gt; &amp;amp; co</title><id>a</id></entry>'
        b'<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">H<sub>2</sub>O <i>in</i> vivo</div></title><id>b</id></entry>'
        b'<entry><title type="text">a &lt;b&gt; literal</title><id>c</id></entry></feed>'
    )
    titles = [p.title for p in parse_feed(atom, "journal", "feed:1").papers]
    assert titles == ["MoS₂ & co", "H₂O in vivo", "a <b> literal"]


@pytest.mark.parametrize("encoding", ["euc-jp", "shift_jis"])
def test_a_feed_with_a_wrong_declared_encoding_is_decoded_not_garbled(encoding: str) -> None:
    from radar.sources.journal_feeds import parse_feed

    (paper,) = parse_feed(_feed(JAPANESE, encoding=encoding), "journal", "feed:1").papers
    assert paper.title == JAPANESE


def test_russian_in_koi8_declared_as_utf8() -> None:
    from radar.sources.journal_feeds import parse_feed

    title = "Квантовые вычисления и новые методы оптимизации"
    (paper,) = parse_feed(_feed(title, encoding="koi8-r"), "journal", "feed:1").papers
    assert paper.title == title


def test_latex_on_cards_in_every_format_and_the_source_kept_in_json_and_bibtex(tmp_path: Path) -> None:
    title = r"Schr\"{o}dinger bridges and $\alpha$-divergence"
    store_with(tmp_path, [Item("2611.00300", title=title, authors=[r"Bal\'azs Szegedy"])])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    readable = "Schrödinger bridges and α-divergence"
    assert readable in ok("today") and "Balázs Szegedy" in ok("today")
    assert readable in ok("today", "--format", "markdown")
    assert readable in ok("today", "--format", "html")
    import json as _json

    (card,) = _json.loads(ok("today", "--format", "json"))
    assert card["title"] == title  # JSON keeps arXiv's text as given
    ok("star", "2611.00300")
    bib = ok("export", "--format", "bibtex", "--ids", "2611.00300")
    assert "Schr" in bib and "ö" not in bib.split("title", 1)[1].split("\n", 1)[0]


def test_readable_keeps_math_it_cannot_say_as_text() -> None:
    from radar.readable import readable

    assert readable(r"$O(\sqrt{T})$ regret") == "O(√(T)) regret"
    assert readable(r"$x_{ij}^{(k)}$ terms") == r"$x_{ij}^{(k)}$ terms"
    assert readable("50% of ~10 runs & $5 and $10") == "50% of ~10 runs & $5 and $10"
    assert readable("<script>alert(1)</script>") == "<script>alert(1)</script>"


MATH_TITLE = r"Bounds for $0<p\le 1$ on $C^*$-algebras and $W^*$-algebras"


def _commonmark(text: str) -> str:
    from markdown_it import MarkdownIt  # CommonMark, as rich brings it

    return MarkdownIt("commonmark").render(text)


def _math_aware(text: str) -> str:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin  # $...$ as math, as Jupyter and MyST read it

    return MarkdownIt("commonmark").use(dollarmath_plugin).render(text)


def test_math_in_markdown_cards_and_the_offline_brief_is_text_in_commonmark(tmp_path: Path) -> None:
    """Math that text can say is turned into text before Markdown is written, so a
    math-aware renderer and plain CommonMark show the same words: no `&lt;` inside
    math, no `*` pairing into italics."""
    store_with(tmp_path, [Item("2611.00400", title=MATH_TITLE, abstract=r"We show $O(\sqrt{T})$ regret.")])
    ok("follow", "--no-fetch", "--category", "cs.LG")
    for markdown in (ok("today", "--format", "markdown"), ok("brief", "--since", "2026-11-01", "--offline")):
        assert "$" not in markdown.split("2611.00400", 1)[1].split("\n", 1)[0]
        rendered = _commonmark(markdown)
        assert "Bounds for 0&lt;p≤1 on C*-algebras and W*-algebras" in rendered
        # A math-aware renderer finds no math left to typeset, and shows the same words.
        aware = _math_aware(markdown)
        assert "Bounds for 0&lt;p≤1 on C*-algebras and W*-algebras" in aware
        assert 'class="math' not in aware
