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


# Pandoc's rule for inline TeX math ("$O(\\sqrt{T})$"): no space just inside either "$", and
# no digit right after the closing one, so "$5 and $10" is money, not math. A body ending
# in a backslash escapes its closing "$" and is not math either.
_MATH_RE = re.compile(r"(?<![\\$])\$(?!\s)([^$]+)(?<![\s\\])\$(?![\d$])")
# What Markdown or HTML would act on where math is not rendered: brackets, angle
# brackets, backticks, "&", "#", "~".
_MD_MATH_BODY_RE = re.compile(r"[A-Za-z0-9\\_^{}+\-=()*,.;:!'/| ]+")


def math_spans(text: str) -> list[re.Match[str]]:
    """Each inline $...$ span of `text` (group 1: its body), as Pandoc and GitHub read
    them. What may be kept as math is each writer's to decide: Markdown here, BibTeX in
    export.py."""
    return list(_MATH_RE.finditer(text)) if "$" in text else []


def markdown_escape(text: str | None) -> str:
    """Text that renders literally in Markdown: no raw HTML, no emphasis, no links; its
    inline math stays math where it holds nothing Markdown would act on."""
    value = one_line(text)
    pieces: list[str] = []
    last = 0
    for m in math_spans(value):
        if not _MD_MATH_BODY_RE.fullmatch(m.group(1)):
            continue
        pieces += [_escape_text(value[last : m.start()]), m.group(0)]
        last = m.end()
    pieces.append(_escape_text(value[last:]))
    escaped = "".join(pieces)
    # A backslash escapes punctuation only, so "1." becomes "1\." and "#" becomes "\#".
    return _MD_LINE_START_RE.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)


def _escape_text(text: str) -> str:
    import html  # only where Markdown is written

    # html.escape first: no raw HTML (<script>, <img onerror=...>) survives as markup.
    return _MD_INLINE_RE.sub(r"\\\1", html.escape(text, quote=False))


def plural(count: int, word: str) -> str:
    """ "1 paper", "2,000 papers": a count and its noun, for people's messages."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
