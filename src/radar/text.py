"""Untrusted text (titles, abstracts, names, model output) made safe to store and show,
and counts worded for people's messages."""

from __future__ import annotations

import re
import unicodedata

# Characters that start emphasis, code, links, tables or strike-through anywhere in a line.
_MD_INLINE_RE = re.compile(r"([\\`*_\[\]|~])")
# Characters that only mean something at the start of a line (headings, lists, quotes).
_MD_LINE_START_RE = re.compile(r"^(\s*)([#+\-=]|\d+[.)])")


def strip_controls(text: str) -> str:
    """Drop control and format characters (ANSI escapes, NUL, bidi overrides), keep newlines."""
    if text.isprintable():
        return text  # the common case, checked in C
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )


def one_line(text: str | None) -> str:
    """Control characters removed and every run of white space folded into one space."""
    if not text:
        return ""
    # Fold white space first: newlines and tabs then no longer defeat the fast path.
    folded = " ".join(text.split())
    return folded if folded.isprintable() else strip_controls(folded).strip()


def safe_url(url: str) -> str:
    """A link target that stays a link target: http(s) only, and the characters that
    could close a Markdown link or open another percent-encoded."""
    from urllib.parse import quote

    value = one_line(url)
    if not value.lower().startswith(("http://", "https://")):
        return "about:blank"
    return quote(value, safe=":/?#@!$&'*+,;=%[]~-._")


def markdown_escape(text: str | None) -> str:
    """Text that renders literally in Markdown: no raw HTML, no emphasis, no links."""
    import html

    # html.escape first: no raw HTML (<script>, <img onerror=...>) survives as markup.
    escaped = _MD_INLINE_RE.sub(r"\\\1", html.escape(one_line(text), quote=False))
    # A backslash escapes punctuation only, so "1." becomes "1\." and "#" becomes "\#".
    return _MD_LINE_START_RE.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


def plural(count: int, word: str) -> str:
    """ "1 paper", "2,000 papers": a count and its noun, for people's messages."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
