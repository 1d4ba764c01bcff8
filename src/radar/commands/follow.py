"""`radar follow`, `unfollow` and `following`: what is on the radar."""

from collections import Counter
from typing import Annotated, Any

import typer

from radar.cli import ListFormat, QuietOpt, TopicOpt, WaitOpt, app, out, say, state
from radar.errors import LockedError, RadarError, UsageError
from radar.progress import live_status
from radar.text import plural

COMMANDS = ("follow", "unfollow", "following")
HELP_POSITION = 10


def follow_targets(
    command: str,
    name: str | None,
    category: list[str] | None,
    topic: list[str] | None,
    feed: list[str] | None = None,
) -> list[tuple[str, str]]:
    targets = [("author", name)] if name is not None else []
    targets += [("category", c) for c in category or []]
    targets += [("topic", t) for t in topic or []]
    targets += [("feed", f) for f in feed or []]
    if not targets:
        raise UsageError(
            f'name a person, --category, --topic or --feed (e.g. radar {command} "Akshay Krishnamurthy")'
        )
    from radar.follows import follow_key

    for kind, value in targets:
        follow_key(kind, value, adding=command == "follow")  # every value checked before anything changes
    return targets


NameArg = Annotated[
    str | None,
    typer.Argument(metavar="NAME", help='A person, e.g. "Akshay Krishnamurthy".', show_default=False),
]
CategoryOpt = Annotated[
    list[str] | None,
    typer.Option("--category", "-c", help="An arXiv category, e.g. cs.LG (repeatable).", show_default=False),
]
FeedOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--feed",
        help="An RSS or Atom feed: a journal's contents, a conference's papers (repeatable).",
        show_default=False,
    ),
]


@app.command()
def follow(
    ctx: typer.Context,
    name: NameArg = None,
    category: CategoryOpt = None,
    topic: TopicOpt = None,
    feed: FeedOpt = None,
    no_fetch: Annotated[
        bool, typer.Option("--no-fetch", help="Only match what is stored; do not ask arXiv.")
    ] = False,
    quiet: QuietOpt = False,
    wait: WaitOpt = 10.0,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="Save the follow even when it finds nothing now: a person no paper matches, a feed that cannot be read.",
        ),
    ] = False,
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Follow a person already followed under another name as one follow."),
    ] = False,
    like: Annotated[
        list[str] | None,
        typer.Option(
            "--like",
            metavar="ID",
            help="When several people share the name: follow the one who wrote this paper (repeatable).",
            show_default=False,
        ),
    ] = None,
    not_like: Annotated[
        list[str] | None,
        typer.Option(
            "--not-like",
            metavar="ID",
            help="Leave out the person with the name who wrote this paper (repeatable).",
            show_default=False,
        ),
    ] = None,
    pick: Annotated[
        int | None,
        typer.Option(
            "--pick", metavar="N", help="Follow person N of the preview's list of people with the name."
        ),
    ] = None,
) -> None:
    """Follow a person, an arXiv category or a topic.

    A new follow fetches from arXiv at once (a person's last 12 months) and prints a
    preview, so you can check you follow the right person.
    When several people share the name, the preview lists them: --like ID or --pick N
    follows one, --not-like ID leaves one out, and with a name --category narrows the
    person to those categories.
    Examples: radar follow "Akshay Krishnamurthy"; radar follow --category cs.LG;
    radar follow --topic "world models"; radar follow "Jun Zhu" --like 2511.05963.
    """
    from radar.follows import add_follow, merge_follow, same_person_follow
    from radar.store import BUSY_TIMEOUT_S

    choosing = bool(like or not_like or pick is not None)
    if choosing and name is None:
        raise UsageError(
            '--like, --not-like and --pick choose among the people with a name: radar follow "Jun Zhu" --like ID'
        )
    if choosing:
        from radar.model import paper_ref

        # Any form of an id, as every other command takes it (2511.05963v2, an abs URL).
        like = [paper_ref(v) for v in like or []]
        not_like = [paper_ref(v) for v in not_like or []]
    targets = follow_targets("follow", name, category, topic, feed)
    st = state(ctx)
    db = st.open(quiet=quiet)
    # --category narrows the person when choosing one (--like, --pick, --not-like) or
    # refining a person already followed; otherwise it follows the category too.
    narrow: list[str] = []
    if name is not None and category and (choosing or _followed(db, name)):
        narrow = _person_categories(category)
        targets = [t for t in targets if t[0] != "category"]
    if wait > BUSY_TIMEOUT_S:
        # Saving the follow waits as long as asked behind a long writer (an import).
        db.execute(f"pragma busy_timeout = {int(wait * 1000)}")
    merged = {}
    for kind, value in targets:
        if kind == "author":
            existing = same_person_follow(db, value, merging=merge)
            if existing is not None and not merge:
                raise RadarError(
                    f'"{value}" can only be "{existing.value}", whom you follow already: '
                    f'radar follow --merge "{value}" makes them one follow'
                )
            if existing is not None:
                merged[value] = merge_follow(db, existing, value)
                if not quiet:
                    say(f"{existing.value} and {value} are one follow now: {merged[value].follow.value}.")
    results = [merged.get(value) or add_follow(db, kind, value) for kind, value in targets]
    near_misses: Counter[str] = Counter()
    failed = False
    asked: set[int] = set()  # the follows arXiv was asked about, and answered
    if not no_fetch:
        from radar.commands.fetch import fetch_now
        from radar.lock import writer_lock

        try:
            with writer_lock(st.settings.db_path, wait), live_status("asking arXiv…", quiet) as progress:
                summary = fetch_now(st, db, progress, only=[r.follow for r in results])
        except LockedError as exc:
            if not quiet:
                say(f"{exc}; the follow is saved and the next radar fetch brings its papers.")
        else:
            near_misses = summary.near_misses
            for ok, line in summary.lines():
                if not ok:
                    failed = True
                    say(f"Error: {line}", style="red")
            unread = {i for s in summary.sources if not s.ok for i in s.follow_ids}
            results = _drop_unreadable_feeds(db, results, unread, keep)
            # Exit 1 all the same (the fetch failed), but the follow itself stands.
            if failed and not quiet and any(r.follow.kind != "feed" for r in results):
                say("The follow is saved, but its first fetch failed: radar fetch will try again.")
            if summary.ok:
                asked = {r.follow.id for r in results}
            if not quiet and (summary.ok or any(s.ok for s in summary.sources)):
                requests = plural(summary.requests, "request")
                say(f"Fetched: {summary.new} new, {summary.updated} updated ({requests}).", style="dim")
    if name is not None and (choosing or narrow):
        for result in results:
            if result.follow.kind == "author":
                _choose(db, result, like or [], not_like or [], pick, narrow, quiet)
    refused = []
    for result in results:
        if result.created and result.follow.kind == "author":
            why = unmatched_person(db, result.follow, keep, no_fetch, result.follow.id in asked, near_misses)
            if why is not None:
                refused.append((result, why))
    for result, why in refused:
        if not keep:
            from radar.follows import drop_follow

            drop_follow(db, result.follow)
            results.remove(result)
            say(f"Error: not following {result.follow.value}: {why}", style="red")
            failed = True
    if not quiet:
        from radar.store import background_checkpoints

        # The matches just stored are written back into the database file while the
        # preview is read: a category's hundreds of thousands of matches are tens of MB,
        # and closing the store would write them after the preview, not beside it.
        with background_checkpoints(db):
            for result in results:
                print_follow(db, result, near_misses)
                for kept, why in refused:
                    if kept is result:
                        say(f"  {why}", style="yellow")
    if failed:
        raise typer.Exit(1)


def _followed(db: Any, name: str) -> bool:
    from radar.follows import follow_key

    _, key = follow_key("author", name)
    return db.execute("select 1 from follows where kind = 'author' and key = ?", [key]).fetchone() is not None


def _person_categories(category: list[str]) -> list[str]:
    from radar.taxonomy import canonical_category

    found = []
    for value in category:
        canonical = canonical_category(value)
        if canonical is None:
            from radar.follows import follow_key

            follow_key("category", value)  # raises with did-you-mean
        found.append(canonical or value)
    return found


def _choose(
    db: Any,
    result: Any,
    like: list[str],
    not_like: list[str],
    pick: int | None,
    narrow: list[str],
    quiet: bool,
) -> None:
    """Store which of the people with the name the follow means; a bad --like undoes a
    follow made by this command, and a --pick out of range prints the list again."""
    from radar.follows import choose_person, drop_follow
    from radar.people import check_liked, people_of_name, refined

    follow = result.follow
    try:
        check_liked(db, follow.value, [*like, *not_like])
        earlier = _choice(follow)
        keep = [*like, *not_like, *(earlier.named() if earlier else [])]
        found = people_of_name(db, follow.value, keep=keep)
        try:
            person = refined(follow.person, found, like, not_like, pick, narrow)
        except UsageError:
            print_people(db, follow, found, always=True)
            raise
    except RadarError:
        if result.created:
            drop_follow(db, follow)
        raise
    choose_person(db, follow, person)


def _drop_unreadable_feeds(db: Any, results: list[Any], unread: set[int], keep: bool) -> list[Any]:
    """A feed newly followed whose first fetch read no feed (a 404, an HTML page, broken
    XML) is not kept, unless --keep: saved, it would fail every later fetch and every
    cron run. The error line has said why."""
    from radar.follows import remove_follow

    kept = []
    for result in results:
        follow = result.follow
        if follow.kind == "feed" and result.created and follow.id in unread:
            if keep:
                say(f"Kept the feed {follow.value} (--keep): radar fetch reports it until it can be read.")
            else:
                remove_follow(db, "feed", follow.value)
                say(f"Not following {follow.value}: no feed could be read there. --keep follows it anyway.")
                continue
        kept.append(result)
    return kept


def unmatched_person(
    db: Any, follow: Any, keep: bool, no_fetch: bool, asked: bool, fetched_misses: Counter[str]
) -> str | None:
    """Why a new person follow that matches no paper should not stand, with the people
    the user may have meant (stored, or namesakes arXiv returned); None when it matches
    something, or when no one can tell (the store is empty and arXiv was not asked, or
    could not answer)."""
    from radar.follows import suggest_people
    from radar.names import parse_name, similar_surname

    matched = db.execute("select matched from follows where id = ?", [follow.id]).fetchone()
    if matched and matched[0]:
        return None
    if not asked and (not no_fetch or db.execute("select 1 from papers limit 1").fetchone() is None):
        return None
    where = (
        "no stored paper matches it, and arXiv found none from the last 12 months either"
        if asked
        else "no stored paper matches it (arXiv was not asked: --no-fetch)"
    )
    hint = [(name, plural(count, "paper")) for name, count in suggest_people(db, follow.value)]
    if not hint and asked:
        wanted = parse_name(follow.value)
        hint = [
            (name, f"{plural(count, 'paper')} on arXiv")
            for name, count in fetched_misses.most_common()
            if similar_surname(wanted, parse_name(name))
        ][:2]
    if hint:
        names = " or ".join(f'"{name}" ({count})' for name, count in hint)
        where += f". Did you mean {names}?"
    else:
        where += "."
    if not keep:
        where += " --keep follows it all the same"
    else:
        where += " Kept (--keep)."
    return where


def print_follow(db: Any, result: Any, fetched_misses: Counter[str]) -> None:
    from radar.follows import near_misses, preview
    from radar.readable import readable

    follow = result.follow
    pv = preview(db, follow)
    verb = "Following" if result.created else "Already following"
    say(f"{verb} {follow.kind} {follow.value}: {plural(pv.papers, 'paper')} stored.")
    for paper_id, day, title in pv.latest:
        say(f"  {day}  {paper_id}  {readable(title)[:90]}")
    if pv.coauthors:
        say("  frequent co-authors: " + ", ".join(f"{n} ({c})" for n, c in pv.coauthors))
    if pv.categories and follow.kind != "category":
        say("  main categories: " + ", ".join(f"{c} ({n})" for c, n in pv.categories))
    if follow.kind == "author":
        from radar.follows import stored_name_hits
        from radar.people import people_of_name

        chosen = _choice(follow)
        keep = chosen.named() if chosen else ()
        print_people(db, follow, people_of_name(db, follow.value, stored_name_hits(db, follow), keep))
    # Stored papers by namesakes, and the ones this fetch saw and did not store.
    misses = near_misses(db, follow)
    if follow.kind == "author":
        for miss_name, count in fetched_misses.items():
            misses[miss_name] = max(misses[miss_name], count)
    for miss_name, count in misses.most_common(5):
        say(f"  not counted: {plural(count, 'paper')} by {miss_name}", style="dim")


# The preview lists the largest people; the rest (often single papers) are counted.
PEOPLE_SHOWN = 8


def print_people(db: Any, follow: Any, found: Any, always: bool = False) -> None:
    """The people who write as the followed name here, when more than one does, and which
    of them the follow counts. A name whose groups of papers all look alike (one person
    whose co-authors changed, most likely) previews as before, unless the follow has
    chosen among them or `always` (a --pick to show again)."""
    from radar.people import count_for
    from radar.readable import readable

    people = found.people
    if len(people) < 2 or not (found.shared or follow.person or always):
        return
    counted = count_for(found.works, people, _choice(follow), found.truncated)
    if found.truncated:
        say(f"  (grouped on the newest {len(found.works):,} papers with the name)", style="dim")
    say(f"{len(people)} people write as {follow.value} here:")
    for n, person in enumerate(people, 1):
        if n > PEOPLE_SHOWN and not (follow.person and n - 1 in counted.chosen):
            continue
        years = f"{person.years[0]}-{person.years[1]}" if person.years else "undated"
        if person.years and person.years[0] == person.years[1]:
            years = str(person.years[0])
        parts = [plural(len(person.papers), "paper"), years]
        if person.categories:
            parts.append(" ".join(c for c, _ in person.categories))
        if person.coauthors:
            parts.append("with " + ", ".join(c for c, _ in person.coauthors))
        mark = "  (followed)" if follow.person and n - 1 in counted.chosen else ""
        say(f"  {n}. {'; '.join(parts)}: {readable(person.recent_title)[:70]}{mark}")
    if len(people) > PEOPLE_SHOWN:
        rest = people[PEOPLE_SHOWN:]
        papers = sum(len(p.papers) for p in rest)
        say(
            f"  ... and {len(rest):,} more {'person' if len(rest) == 1 else 'people'} ({plural(papers, 'paper')}), mostly papers that share no co-author",
            style="dim",
        )
    if not follow.person:
        say(
            f'  The follow counts all of them. radar follow "{follow.value}" --pick N (or --like ID) follows one; '
            "--not-like ID leaves one out.",
            style="yellow",
        )
    elif counted.not_counted:
        say(
            f"  not counted: {plural(len(counted.not_counted), 'paper')} by other people named {follow.value} "
            f'(radar follow "{follow.value}" --like ID adds one)',
            style="dim",
        )


def _choice(follow: Any) -> Any:
    from radar.people import Choice

    return Choice.from_data(follow.person)


@app.command()
def unfollow(
    ctx: typer.Context,
    name: NameArg = None,
    category: CategoryOpt = None,
    topic: TopicOpt = None,
    feed: FeedOpt = None,
) -> None:
    """Stop following a person, a category or a topic (same forms as `radar follow`)."""
    from radar.follows import remove_follow

    targets = follow_targets("unfollow", name, category, topic, feed)
    db = state(ctx).open(create=False)
    for kind, value in targets:
        removed = remove_follow(db, kind, value)
        say(f"No longer following {kind} {removed.value}.")


@app.command()
def following(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
    papers: Annotated[
        bool,
        typer.Option(
            "--papers",
            help="With --format json: the ids of the papers each person follow counts (always listed for a chosen person).",
        ),
    ] = False,
) -> None:
    """List what you follow, with how many stored papers each one matches; for a person
    who shares a name with others, which of them you follow."""
    from radar.follows import list_follows
    from radar.render import follow_dict, print_follows, to_json

    db = state(ctx).open(create=False)
    follows = list_follows(db)
    people = {f.id: _person_of(db, f) for f in follows if f.kind == "author" and f.person}
    if format is ListFormat.json:
        rows = []
        for f in follows:
            row = follow_dict(f)
            if f.kind == "author":
                row["person"] = f.person
                if f.person:
                    row["person_summary"] = people[f.id]
                # A chosen person always lists what it counts: a script can check who.
                if papers or f.person:
                    row["paper_ids"] = _counted_ids(db, f)
            rows.append(row)
        print(to_json(rows))
        return
    if not follows:
        say(
            'You follow nothing yet. Try: radar follow "Akshay Krishnamurthy", radar follow --category cs.LG, radar follow --topic "world models".'
        )
        return
    print_follows(out(), follows, people)


def _person_of(db: Any, follow: Any) -> str:
    from radar.people import count_for, describe, people_of_name

    choice = _choice(follow)
    found = people_of_name(db, follow.value, keep=choice.named() if choice else ())
    return describe(count_for(found.works, found.people, choice), found.works)


def _counted_ids(db: Any, follow: Any) -> list[str]:
    """The papers a person follow counts, newest first (its stored matches)."""
    rows = db.execute(
        "select m.paper_id from matches m join papers p on p.id = m.paper_id where m.follow_id = ? "
        "order by p.listing_date desc, p.id desc",
        [follow.id],
    ).fetchall()
    return [r[0] for r in rows]
