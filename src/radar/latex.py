"""arXiv's TeX as plain text: one place that decodes LaTeX, through pylatexenc.

`latex_to_text` decodes a whole string (accents, `\\%`, `\\emph{...}`), for anything a
person reads. `search_text` is what the full-text index holds: the same decoding, but only
of the accent commands (`K\\"ahler`, `Koll\\'ar`, `{\\o}`), which are the only LaTeX that
changes what a word is; everything else tokenizes the same either way. pylatexenc takes
about 2 ms a sentence, far too slow for every abstract of a store; an accent command is a
few characters, and the few hundred distinct ones are decoded once and cached.

The index's triggers call `search_text` (registered as the SQL function
`radar_search_text`), and deleting a row from an external-content index needs the very
text that was indexed: changing what this function returns for some input needs a
migration that rebuilds the index.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text

SEARCH_TEXT_FUNCTION = "radar_search_text"

# An accent command on one letter, optionally inside a brace group of its own:
# \"a \"{a} {\"a} \" a \'{\i} \v{S} \H{o} \c c ; or a letter command: \ss \o {\O} \ae \i.
# Single-letter commands (\u \v \H \c \k \b \d \r \t) must not run on into a longer name
# (\bar, \cdot, \tau).
ACCENT_RE = re.compile(
    r"""
    (\{)?
    (?:
      \\(?:[`'^"~=.]|[uvHckbdrt](?![A-Za-z]))\s*
        (?:\{\s*(?:\\[ij](?![A-Za-z])|[A-Za-z])?\s*\}|\\[ij](?![A-Za-z])|[A-Za-z])
    | \\(?:ss|o|O|l|L|ae|AE|oe|OE|aa|AA|i|j)(?![A-Za-z])(?:\{\})?
    )
    (?(1)\})
    """,
    re.VERBOSE,
)


# Where an accent command may start: a quick search that rules out most text with TeX in
# it (math: \alpha, \rm), before the full pattern runs.
_CANDIDATE_RE = re.compile(r"""\\(?:[`'^"~=.]|(?:[uvHckbdrtoOlLij]|ss|aa|AA|ae|AE|oe|OE)(?![A-Za-z]))""")


@lru_cache(maxsize=1)
def _parsing_context() -> Any:
    """One parsing context for the run: pylatexenc builds its tables of macros anew for
    every parse unless given them, which costs more than the conversion itself."""
    from pylatexenc.latexwalker import get_default_latex_context_db

    return get_default_latex_context_db()


@lru_cache(maxsize=2)
def _converter(math: str) -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    # A command pylatexenc does not know (a paper's own macro) stays as written, rather
    # than vanish from the text.
    context.set_unknown_macro_spec(MacroTextSpec("", simplify_repl=lambda node: node.latex_verbatim()))
    # Old font switches ($T_{\rm N}$) print nothing of their own.
    context.add_context_category(
        "radar-font-switches",
        macros=[MacroTextSpec(name, "") for name in ("rm", "it", "bf", "sf", "tt", "sl", "sc", "cal", "mit")],
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context, math_mode=math)


# arXiv's text is TeX-ish, not TeX: "improves by 5%" and "R&D" mean the characters, not a
# comment and an alignment tab, so a bare one is read as its escaped form.
_BARE_RE = re.compile(r"(?<!\\)([%&])")


def latex_to_text(text: str, math: str = "verbatim") -> str:
    """Unicode text from arXiv's TeX: `Schr\\"{o}dinger` → Schrödinger, `50\\%` → 50%,
    `\\emph{all}` → all; a bare % or & stays itself, an unknown command stays as written.

    `math="verbatim"` keeps `$...$` as written (faithful where a reader knows TeX);
    `math="text"` turns it into Unicode (`$\\alpha$` → α), for plain-text readers.
    """
    if not any(ch in text for ch in "\\{}~$%&"):
        return text
    try:
        return str(
            _converter(math).latex_to_text(_BARE_RE.sub(r"\\\1", text), latex_context=_parsing_context())
        )
    except Exception:  # pylatexenc is tolerant; anything it still cannot read stays as written
        return text


@lru_cache(maxsize=4096)
def _accent(command: str) -> str:
    return latex_to_text(command)


def search_text(text: str | None) -> str | None:
    """What the full-text index holds for a title or abstract: LaTeX accents decoded
    (K\\"ahler → Kähler); the tokenizer then folds the diacritics (→ kahler)."""
    if text is None or "\\" not in text or not _CANDIDATE_RE.search(text):
        return text
    return ACCENT_RE.sub(lambda m: _accent(m.group(0)), text)


_ESCAPED_RE = re.compile(r"\\([%&_#$])")


def accents_to_text(text: str) -> str:
    """The quick decoding, for long text and names: accent commands (as the index has
    them) and escaped specials (`\\%` → %); everything else, math included, as written.
    A tenth of a millisecond for an abstract, where pylatexenc takes several."""
    if "\\" not in text:
        return text
    return _ESCAPED_RE.sub(r"\1", search_text(text) or "")
