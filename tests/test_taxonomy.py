from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from radar.taxonomy import (
    ALIASES,
    CATEGORIES,
    canonical_category,
    category_name,
    is_known,
    suggest_categories,
)

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"


def _archive(cat: str) -> str:
    return cat.partition(".")[0]


def _feed_categories() -> set[str]:
    """Every category id in the recorded arXiv feeds.

    Atom (API and listing): the ``term`` of <category> and <arxiv:primary_category>.
    RSS: the text of <category>.
    """
    seen: set[str] = set()
    for path in sorted(FIXTURES.glob("*.xml")):
        for element in ET.parse(path).iter():
            local = element.tag.rpartition("}")[2]
            if local not in ("category", "primary_category"):
                continue
            term = element.get("term")
            if term:
                seen.add(term.strip())
            if element.text and element.text.strip():
                seen.add(element.text.strip())
    return seen


def test_archive_counts() -> None:
    counts = Counter(_archive(cat) for cat in CATEGORIES)
    assert counts["cs"] == 40
    assert counts["stat"] == 6
    assert counts["math"] == 32
    assert counts["physics"] == 22
    assert counts["econ"] == 3
    assert counts["eess"] == 4
    assert counts["q-bio"] == 10
    assert counts["q-fin"] == 9
    assert counts["nlin"] == 5
    assert counts["astro-ph"] == 7  # astro-ph itself and six subcategories
    assert counts["cond-mat"] == 10  # cond-mat itself and nine subcategories
    for bare in ("gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph"):
        assert bare in CATEGORIES
    for bare in ("nucl-ex", "nucl-th", "quant-ph"):
        assert bare in CATEGORIES


def test_ids_and_names_are_well_formed() -> None:
    lowered = {cat.lower() for cat in CATEGORIES}
    assert len(lowered) == len(CATEGORIES)  # case-insensitive lookup is unambiguous
    for cat, name in CATEGORIES.items():
        assert cat == cat.strip() and " " not in cat
        assert name and name == name.strip()
    assert CATEGORIES["cs.LG"] == "Machine Learning"
    assert CATEGORIES["cond-mat.stat-mech"] == "Statistical Mechanics"
    assert CATEGORIES["physics.atom-ph"] == "Atomic Physics"
    assert CATEGORIES["q-bio.QM"] == "Quantitative Methods"


def test_aliases_are_pairs_of_known_categories() -> None:
    assert ALIASES == {
        "cs.NA": "math.NA",
        "math.IT": "cs.IT",
        "cs.SY": "eess.SY",
        "math.MP": "math-ph",
        "q-fin.EC": "econ.GN",
        "stat.TH": "math.ST",
    }
    for alias, target in ALIASES.items():
        assert alias in CATEGORIES and target in CATEGORIES
        assert CATEGORIES[alias] == CATEGORIES[target] or alias == "q-fin.EC"


def test_fixture_files_are_present() -> None:
    assert len(list(FIXTURES.glob("*.xml"))) == 8


def test_every_category_in_real_feeds_is_known() -> None:
    seen = _feed_categories()
    # Sanity check that the parsing found the categories of every feed flavour.
    assert {"cs.LG", "cs.SE", "cond-mat.stat-mech", "math.MG", "stat.ML"} <= seen
    unknown = sorted(cat for cat in seen if not is_known(cat))
    assert unknown == []
    assert all(canonical_category(cat) == cat for cat in seen)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cs.LG", "cs.LG"),
        ("cs.lg", "cs.LG"),
        ("  CS.LG\n", "cs.LG"),
        ("COND-MAT.STAT-MECH", "cond-mat.stat-mech"),
        ("physics.Atom-Ph", "physics.atom-ph"),
        ("Q-BIO.qm", "q-bio.QM"),
        ("Quant-PH", "quant-ph"),
        ("math.it", "math.IT"),
        ("astro-ph", "astro-ph"),
    ],
)
def test_canonical_category_is_case_insensitive(typed: str, expected: str) -> None:
    assert canonical_category(typed) == expected
    assert is_known(typed)
    assert category_name(typed) == CATEGORIES[expected]


@pytest.mark.parametrize("typed", ["cs.XX", "cs.ML", "cs", "", "   ", ".", "foo.BAR", "cs.LG.x"])
def test_unknown_values(typed: str) -> None:
    assert canonical_category(typed) is None
    assert category_name(typed) is None
    assert not is_known(typed)


def test_suggestions_for_unknown_subject_stay_in_archive() -> None:
    suggestions = suggest_categories("cs.XX")
    assert suggestions
    assert len(suggestions) <= 3
    assert all(cat.startswith("cs.") for cat in suggestions)
    assert all(is_known(cat) for cat in suggestions)


@pytest.mark.parametrize("typed", ["cs.", "math.", "physics.", "CS.zz", "math.ZZ", "physics.foo"])
def test_known_archive_always_gets_suggestions(typed: str) -> None:
    archive = typed.partition(".")[0].lower()
    suggestions = suggest_categories(typed)
    assert suggestions
    assert all(cat.startswith(archive + ".") for cat in suggestions)


def test_suggestions_for_common_mistakes() -> None:
    assert suggest_categories("cs.ML")[0] in ("cs.LG", "stat.ML")
    assert "stat.ML" in suggest_categories("cs.ML")
    assert suggest_categories("stats.ML")[0] == "stat.ML"
    assert suggest_categories("cond-mat.stat-mach")[0] == "cond-mat.stat-mech"
    assert suggest_categories("physics.opt")[0] == "physics.optics"
    assert suggest_categories("cs.L")[:2] == ["cs.LG", "cs.LO"]
    assert set(suggest_categories("hep")) <= {"hep-ex", "hep-lat", "hep-ph", "hep-th"}


def test_suggestion_limit() -> None:
    assert suggest_categories("cs.XX", limit=0) == []
    assert len(suggest_categories("cs.XX", limit=1)) == 1
    assert len(suggest_categories("cs.", limit=50)) == 40


@pytest.mark.parametrize("typed", ["foo.BAR", "", "   ", ".", "..", "zzzz", "nonsense.archive.x"])
def test_unknown_archive_does_not_crash(typed: str) -> None:
    suggestions = suggest_categories(typed)
    assert isinstance(suggestions, list)
    assert all(is_known(cat) for cat in suggestions)
