"""LaTeX in titles, abstracts and names shown as Unicode text on cards (terminal,
Markdown, HTML, e-mail): `Schr\\"{o}dinger` -> Schrödinger, `$\\alpha$-divergence` ->
α-divergence, `MoS$_2$` -> MoS₂.

Only where the text says the same: a math span whose text form would still need LaTeX
to be read (`$x_{ij}^{(k)}$`, a fraction inside a subscript) keeps its source, `$` and
all. Stored text, JSON and BibTeX keep arXiv's own text; this is for people's eyes.
pylatexenc does the conversion (no table written here), imported on first use.
"""

from __future__ import annotations

import re

from radar.latex import latex_to_text
from radar.text import math_spans, one_line

_SUB = str.maketrans("0123456789+-=()aeoxnijklmt", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₙᵢⱼₖₗₘₜ")
_SUP = str.maketrans("0123456789+-=()ni*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ*")
_SCRIPT_RE = re.compile(r"([_^])(?:\{([^{}]*)\}|(\S))")
# Characters that are plain text in arXiv's abstracts but not in LaTeX: "50%" would start
# a comment and swallow the rest, "~10" would become a non-breaking space.
_BARE_RE = re.compile(r"(?<!\\)([%#&])")
_TILDE_RE = re.compile(r"(?<!\\)~")


def _bare(text: str) -> str:
    return _TILDE_RE.sub(r"\\textasciitilde{}", _BARE_RE.sub(r"\\\1", text))


def _to_text(latex: str, math_mode: str) -> str:
    # radar's one LaTeX decoder (radar.latex): unknown macros stay as written, so a span
    # that still holds one is left as its source by _math.
    return latex_to_text(latex, math_mode)


def scripted(body: str, sub: bool) -> str | None:
    """`body` in Unicode subscript (or superscript) characters, or None when one of its
    characters has none: H<sub>2</sub>O -> H₂O, but x<sub>ij,k</sub> stays as it is."""
    table = _SUB if sub else _SUP
    if not body or any(ord(ch) not in table for ch in body):
        return None
    return body.translate(table)


def _script(m: re.Match[str]) -> str:
    body = m.group(2) if m.group(2) is not None else m.group(3)
    table = _SUB if m.group(1) == "_" else _SUP
    if not body or any(ord(ch) not in table for ch in body):
        return m.group(0)  # no Unicode sub/superscript for it: pylatexenc's "_" makes _math refuse
    return body.translate(table)


def _math(body: str) -> str | None:
    """The span as text, or None when text cannot say it faithfully."""
    try:
        text = _to_text(_bare(_SCRIPT_RE.sub(_script, body)), "text")
    except Exception:  # pylatexenc is lenient, but a crash must not take a card down
        return None
    if re.search(r"[\\{}_^]", text):
        return None
    return " ".join(text.split())


def _prose(text: str) -> str:
    if "\\" not in text and "{" not in text:
        return text
    try:
        converted = _to_text(_bare(text), "verbatim")
    except Exception:
        return text
    return converted.replace("\xa0", " ")


def readable(text: str | None) -> str:
    """One line of text with its LaTeX turned into Unicode where that is faithful."""
    value = one_line(text)
    if "\\" not in value and "$" not in value:
        return value  # the common case: nothing to convert, pylatexenc never imported
    pieces: list[str] = []
    last = 0
    for m in math_spans(value):
        pieces.append(_prose(value[last : m.start()]))
        converted = _math(m.group(1))
        pieces.append(converted if converted is not None else m.group(0))
        last = m.end()
    pieces.append(_prose(value[last:]))
    return one_line("".join(pieces))
