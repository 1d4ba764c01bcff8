"""Namesakes told apart: the papers of one name grouped into people, and follows of a person."""

from __future__ import annotations

from radar.names import parse_name
from radar.people import Work, coauthor_cores, group_works

JUN = parse_name("Jun Zhu")


def ids(works: list[Work], groups: list[list[int]]) -> list[set[str]]:
    return sorted(({works[i].id for i in g} for g in groups), key=lambda g: sorted(g))


def test_papers_sharing_a_coauthor_are_one_person_transitively() -> None:
    works = [
        Work("a", ("Jianfei Chen", "Jun Zhu"), ("cs.LG",), "Stochastic gradient"),
        Work("b", ("Jianfei Chen", "Bo Zhang"), ("cs.LG",), "Variational inference"),
        Work("c", ("Bo Zhang",), ("stat.ML",), "Bayesian deep nets"),  # through b
        Work("d", ("Mark Spiro",), ("hep-ex",), "Top quark mass at the collider"),
    ]
    assert ids(works, coauthor_cores(works, JUN)) == [{"a", "b", "c"}, {"d"}]


def test_the_followed_name_itself_links_nothing() -> None:
    works = [
        Work("a", ("J. Zhu", "Ada Lovelace"), ("cs.LG",)),
        Work("b", ("J. Zhu", "Grace Hopper"), ("hep-ex",)),
    ]
    assert len(coauthor_cores(works, JUN)) == 2


def test_a_coauthor_written_with_initials_links_only_with_a_second() -> None:
    works = [
        Work("a", ("Y. Li",), ("cs.LG",)),
        Work("b", ("Y. Li",), ("hep-ex",)),
        Work("c", ("Y. Li", "K. Wu"), ("cs.CV",)),
        Work("d", ("Y. Li", "K. Wu"), ("cs.CV",)),
    ]
    assert ids(works, coauthor_cores(works, JUN)) == [{"a"}, {"b"}, {"c", "d"}]


def test_collaboration_papers_make_no_links() -> None:
    big = tuple(f"Member{i} Person{i}" for i in range(40))
    works = [
        Work("a", ("Member1 Person1",), ("cond-mat.mtrl-sci",), "Oxide thin films"),
        Work("b", big, ("hep-ex",), "Higgs boson decay measurement"),
        Work("c", big, ("hep-ex",), "Top quark pair production measurement"),
    ]
    assert len(coauthor_cores(works, JUN)) == 3


def test_initial_only_papers_never_bridge_two_people() -> None:
    works = [
        Work("a", ("Jianfei Chen",), ("cs.LG",), "Stochastic gradient Markov chain Monte Carlo"),
        Work("b", ("Mark Spiro",), ("hep-ex",), "Top quark mass at the collider"),
        Work("c", ("Jianfei Chen", "Mark Spiro"), ("math.PR",), "Random walks", initial_only=True),
    ]
    cores = ids(works, coauthor_cores(works, JUN))
    assert {"a", "b"} not in cores and not any({"a", "b"} <= g for g in cores)


def test_a_paper_with_no_shared_coauthor_joins_by_its_profile() -> None:
    ml = ("cs.LG", "stat.ML")
    works = [
        Work("a", ("Jianfei Chen",), ml, "Scalable inference for topic models", 2018),
        Work("b", ("Jianfei Chen",), ml, "Stochastic gradient inference for topic models", 2019),
        Work("c", ("Chongxuan Li",), ml, "Topic models with scalable variational inference", 2020),
        Work("p", ("Mark Spiro",), ("hep-ex",), "Top quark mass measurement", 2019),
        Work("q", ("Mark Spiro",), ("hep-ex",), "Top quark pair measurement", 2020),
        Work("r", ("Ana Ruiz",), ("hep-ex",), "Quark mass measurement with the detector", 2021),
    ]
    assert ids(works, group_works(works, JUN)) == [{"a", "b", "c"}, {"p", "q", "r"}]


def test_a_paper_like_two_people_equally_stays_apart() -> None:
    works = [
        Work("a", ("Jianfei Chen",), ("cs.LG",), "Graph learning", 2020),
        Work("b", ("Jianfei Chen",), ("cs.LG",), "Graph learning again", 2020),
        Work("c", ("Bo Zhang",), ("quant-ph",), "Quantum circuits", 2020),
        Work("d", ("Bo Zhang",), ("quant-ph",), "Quantum circuits again", 2020),
        Work("e", ("Ana Ruiz",), ("stat.ML",), "Graph learning of quantum circuits", 2020),
    ]
    assert ids(works, group_works(works, JUN)) == [{"a", "b"}, {"c", "d"}, {"e"}]
