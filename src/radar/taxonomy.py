"""The bundled arXiv category taxonomy.

Ids and names follow arXiv's own taxonomy (arxiv-base, ``arxiv/taxonomy/definitions.py``), with
arXiv's exact capitalisation ("cs.LG", "cond-mat.stat-mech", "q-bio.QM"). Every active category is
listed, plus the two legacy bare-archive ids ``astro-ph`` and ``cond-mat`` that still appear on
older papers. The six alias pairs arXiv cross-lists automatically (e.g. ``math.IT`` / ``cs.IT``)
are all present as categories in their own right; :data:`ALIASES` records which side arXiv treats
as canonical.
"""

from __future__ import annotations

import difflib
import os

__all__ = [
    "ALIASES",
    "CATEGORIES",
    "canonical_category",
    "category_name",
    "is_known",
    "suggest_categories",
]

CATEGORIES: dict[str, str] = {
    # Computer Science
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    # Economics
    "econ.EM": "Econometrics",
    "econ.GN": "General Economics",
    "econ.TH": "Theoretical Economics",
    # Electrical Engineering and Systems Science
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    # Mathematics
    "math.AC": "Commutative Algebra",
    "math.AG": "Algebraic Geometry",
    "math.AP": "Analysis of PDEs",
    "math.AT": "Algebraic Topology",
    "math.CA": "Classical Analysis and ODEs",
    "math.CO": "Combinatorics",
    "math.CT": "Category Theory",
    "math.CV": "Complex Variables",
    "math.DG": "Differential Geometry",
    "math.DS": "Dynamical Systems",
    "math.FA": "Functional Analysis",
    "math.GM": "General Mathematics",
    "math.GN": "General Topology",
    "math.GR": "Group Theory",
    "math.GT": "Geometric Topology",
    "math.HO": "History and Overview",
    "math.IT": "Information Theory",
    "math.KT": "K-Theory and Homology",
    "math.LO": "Logic",
    "math.MG": "Metric Geometry",
    "math.MP": "Mathematical Physics",
    "math.NA": "Numerical Analysis",
    "math.NT": "Number Theory",
    "math.OA": "Operator Algebras",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "math.QA": "Quantum Algebra",
    "math.RA": "Rings and Algebras",
    "math.RT": "Representation Theory",
    "math.SG": "Symplectic Geometry",
    "math.SP": "Spectral Theory",
    "math.ST": "Statistics Theory",
    # Astrophysics
    "astro-ph": "Astrophysics",
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "astro-ph.EP": "Earth and Planetary Astrophysics",
    "astro-ph.GA": "Astrophysics of Galaxies",
    "astro-ph.HE": "High Energy Astrophysical Phenomena",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics",
    "astro-ph.SR": "Solar and Stellar Astrophysics",
    # Condensed Matter
    "cond-mat": "Condensed Matter",
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "cond-mat.mes-hall": "Mesoscale and Nanoscale Physics",
    "cond-mat.mtrl-sci": "Materials Science",
    "cond-mat.other": "Other Condensed Matter",
    "cond-mat.quant-gas": "Quantum Gases",
    "cond-mat.soft": "Soft Condensed Matter",
    "cond-mat.stat-mech": "Statistical Mechanics",
    "cond-mat.str-el": "Strongly Correlated Electrons",
    "cond-mat.supr-con": "Superconductivity",
    # Other physics archives without subcategories
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics",
    # Nonlinear Sciences
    "nlin.AO": "Adaptation and Self-Organizing Systems",
    "nlin.CD": "Chaotic Dynamics",
    "nlin.CG": "Cellular Automata and Lattice Gases",
    "nlin.PS": "Pattern Formation and Solitons",
    "nlin.SI": "Exactly Solvable and Integrable Systems",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    # Physics
    "physics.acc-ph": "Accelerator Physics",
    "physics.ao-ph": "Atmospheric and Oceanic Physics",
    "physics.app-ph": "Applied Physics",
    "physics.atm-clus": "Atomic and Molecular Clusters",
    "physics.atom-ph": "Atomic Physics",
    "physics.bio-ph": "Biological Physics",
    "physics.chem-ph": "Chemical Physics",
    "physics.class-ph": "Classical Physics",
    "physics.comp-ph": "Computational Physics",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.ed-ph": "Physics Education",
    "physics.flu-dyn": "Fluid Dynamics",
    "physics.gen-ph": "General Physics",
    "physics.geo-ph": "Geophysics",
    "physics.hist-ph": "History and Philosophy of Physics",
    "physics.ins-det": "Instrumentation and Detectors",
    "physics.med-ph": "Medical Physics",
    "physics.optics": "Optics",
    "physics.plasm-ph": "Plasma Physics",
    "physics.pop-ph": "Popular Physics",
    "physics.soc-ph": "Physics and Society",
    "physics.space-ph": "Space Physics",
    "quant-ph": "Quantum Physics",
    # Quantitative Biology
    "q-bio.BM": "Biomolecules",
    "q-bio.CB": "Cell Behavior",
    "q-bio.GN": "Genomics",
    "q-bio.MN": "Molecular Networks",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.OT": "Other Quantitative Biology",
    "q-bio.PE": "Populations and Evolution",
    "q-bio.QM": "Quantitative Methods",
    "q-bio.SC": "Subcellular Processes",
    "q-bio.TO": "Tissues and Organs",
    # Quantitative Finance
    "q-fin.CP": "Computational Finance",
    "q-fin.EC": "Economics",
    "q-fin.GN": "General Finance",
    "q-fin.MF": "Mathematical Finance",
    "q-fin.PM": "Portfolio Management",
    "q-fin.PR": "Pricing of Securities",
    "q-fin.RM": "Risk Management",
    "q-fin.ST": "Statistical Finance",
    "q-fin.TR": "Trading and Market Microstructure",
    # Statistics
    "stat.AP": "Applications",
    "stat.CO": "Computation",
    "stat.ME": "Methodology",
    "stat.ML": "Machine Learning",
    "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",
}

ALIASES: dict[str, str] = {
    # alias -> the category arXiv treats as canonical (arxiv-base CATEGORY_ALIASES).
    # Both sides are in CATEGORIES; a paper in one is always listed in the other too.
    "cs.NA": "math.NA",
    "math.IT": "cs.IT",
    "cs.SY": "eess.SY",
    "math.MP": "math-ph",
    "q-fin.EC": "econ.GN",
    "stat.TH": "math.ST",
}

# Well-known names for categories that do not exist under that name.
_HINTS: dict[str, tuple[str, ...]] = {
    "cs.ml": ("cs.LG", "stat.ML"),
    "cs.nlp": ("cs.CL",),
    "stat.lg": ("stat.ML", "cs.LG"),
}

_BY_LOWER: dict[str, str] = {cat.lower(): cat for cat in CATEGORIES}


def _archive(cat: str) -> str:
    return cat.partition(".")[0]


def _subject(cat: str) -> str:
    return cat.partition(".")[2]


def _group_by_archive() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for cat in CATEGORIES:
        groups.setdefault(_archive(cat).lower(), []).append(cat)
    return groups


_ARCHIVE_MEMBERS: dict[str, list[str]] = _group_by_archive()


def _close_matches(needle: str, candidates: list[str], n: int, cutoff: float) -> list[str]:
    """Like difflib.get_close_matches, but ties go to a longer shared prefix, then list order."""
    scored: list[tuple[float, int, int, str]] = []
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(needle)
    for index, candidate in enumerate(candidates):
        matcher.set_seq1(candidate)
        ratio = matcher.ratio()
        if ratio >= cutoff:
            prefix = len(os.path.commonprefix([needle, candidate]))
            scored.append((-ratio, -prefix, index, candidate))
    return [candidate for *_, candidate in sorted(scored)[:n]]


def canonical_category(value: str) -> str | None:
    """Return the exact-case arXiv id for ``value`` (case-insensitive, stripped), or None.

    Aliases are returned as themselves ("math.it" -> "math.IT"); see :data:`ALIASES`.
    """
    return _BY_LOWER.get(value.strip().lower())


def category_name(cat: str) -> str | None:
    """Return the human name of a category ("cs.LG" -> "Machine Learning"), or None."""
    canonical = canonical_category(cat)
    return CATEGORIES[canonical] if canonical is not None else None


def is_known(cat: str) -> bool:
    """Whether ``cat`` is a known arXiv category id (case-insensitive)."""
    return canonical_category(cat) is not None


def suggest_categories(value: str, limit: int = 3) -> list[str]:
    """Suggest up to ``limit`` known categories close to ``value`` (a typo or a prefix).

    A value whose archive part is known ("cs.XX", "math.", "physics.opt") always gets suggestions
    from that archive; the same subject code in another archive ("cs.ML" -> "stat.ML") is offered
    as well. Anything else falls back to prefix and fuzzy matching over all ids, and may return an
    empty list.
    """
    if limit <= 0:
        return []
    needle = value.strip().lower()
    if not needle:
        return []

    found: list[str] = []

    def add(cats: list[str] | tuple[str, ...]) -> None:
        for cat in cats:
            if cat not in found:
                found.append(cat)

    add(_HINTS.get(needle, ()))

    archive, _, subject = needle.partition(".")
    members = _ARCHIVE_MEMBERS.get(archive)
    if members is not None:
        if subject:
            cross = [
                cat
                for cat in CATEGORIES
                if _subject(cat).lower() == subject and _archive(cat).lower() != archive
            ]
            # Leave room for at least one suggestion from the archive the user typed.
            add(cross[: max(1, limit - 1)])
        add([cat for cat in members if _subject(cat).lower().startswith(subject)])
        by_subject = {_subject(cat).lower(): cat for cat in members if _subject(cat)}
        close = _close_matches(subject, list(by_subject), n=limit, cutoff=0.5)
        add([by_subject[s] for s in close])
        if not found:
            # Nothing close: the archive's first ones, so a known archive never yields
            # nothing (a bare legacy id like "cond-mat" last).
            add([cat for cat in members if _subject(cat)] + [cat for cat in members if not _subject(cat)])
    else:
        add([cat for low, cat in _BY_LOWER.items() if low.startswith(needle)])
        close = _close_matches(needle, list(_BY_LOWER), n=limit, cutoff=0.6)
        add([_BY_LOWER[low] for low in close])

    return found[:limit]
