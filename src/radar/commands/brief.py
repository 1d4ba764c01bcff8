"""`radar brief`: a literature brief in Markdown, written by a model or offline."""

from pathlib import Path
from typing import Annotated, Any

import typer

from radar.cli import app, err, say, state, write_output
from radar.progress import live_status
from radar.text import plural

# A quiet week is not an error (a weekly cron brief must not mail one), but a script may
# ask to be told: `radar brief --fail-empty || ...`.
EXIT_EMPTY = 3
COMMANDS = ("brief",)
HELP_POSITION = 60


@app.command()
def brief(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", "-s", help="Start of the window: 7d, 2w, 24h or a date.")
    ] = "7d",
    until: Annotated[
        str | None,
        typer.Option("--until", help="End of the window (a date, or 1d for yesterday).", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Any litellm model, e.g. openai/gpt-4o-mini or ollama_chat/llama3.1 [default: RADAR_MODEL].",
            show_default=False,
        ),
    ] = None,
    max_papers: Annotated[
        int | None,
        typer.Option(
            "--max-papers",
            min=1,
            help="At most this many papers, the best ranked [default: fits the model].",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="The brief's language: en, zh, ja, de, fr, ... [default: en].", show_default=False
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option("--topic", "-t", help="Only papers that mention this phrase.", show_default=False),
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Only papers by this person.", show_default=False)
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="No model: an extractive brief built from the papers.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the selection, calls, tokens and cost; call nothing.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the model again even for cached answers.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the Markdown to this file (atomically) instead of stdout.",
            show_default=False,
        ),
    ] = None,
    fail_empty: Annotated[
        bool,
        typer.Option(
            "--fail-empty",
            help=f"Exit with code {EXIT_EMPTY} when no paper matches (default: say so and exit 0).",
        ),
    ] = False,
) -> None:
    """Write a literature brief in Markdown for the papers that match your follows.

    Example: radar brief --since 7d > brief.md. Every citation is checked against the
    papers given to the model; answers are cached, so a re-run costs nothing.
    """
    from radar import brief as core
    from radar.errors import ModelError
    from radar.languages import language_code
    from radar.window import window_for

    st = state(ctx)
    settings = st.settings
    if lang:
        lang = language_code(lang)
    else:
        lang = language_code(
            settings.brief_lang, f"brief_lang (from {settings.origins.get('brief_lang', 'default')})"
        )
    model = (model or settings.model).strip()
    if not offline and not model:
        raise ModelError(
            "no model configured: pass --model, set RADAR_MODEL (e.g. openai/gpt-4o-mini, ollama_chat/llama3.1) "
            "or `model` in config.toml; or use --offline for an extractive brief without a model"
        )
    if not offline:
        from radar import llm

        # A model litellm cannot call, or a key that is not there, is refused before any
        # work, by a dry run as by a real one.
        for warning in llm.check_model(model, settings.llm_api_base, need_key=not dry_run):
            say(f"Warning: {warning}", style="yellow")
        if dry_run and (missing := llm.missing_key(model, settings.llm_api_base)):
            say(f"Warning: {missing}", style="yellow")
    db = st.open(create=False)
    window = window_for(db, since, until)
    assert window is not None  # --since always has a value here
    if offline:
        selection = core.select(db, window, topic, author, max_papers or 100)
        _require_papers(selection, window, fail_empty)
        if dry_run:
            print(
                f"Dry run: an offline brief of {plural(len(selection.cards), 'paper')} ({window.label}); no model call."
            )
            return
        markdown, ids = core.offline_brief(selection, lang)
        write_output(markdown, output, make_dirs=True)
        core.save_brief(db, selection, "", lang, markdown, ids)
        say(f"Offline brief: {plural(len(selection.cards), 'paper')}, no model call.", style="dim")
        return

    from radar import llm

    context = llm.context_window(model, settings.llm_context)
    selection = core.select(db, window, topic, author, max_papers or core.default_max_papers(context))
    _require_papers(selection, window, fail_empty)

    def count(text: str) -> int:
        return llm.count_tokens(model, [{"role": "user", "content": text}])

    plan = core.make_plan(selection, model, context, count)
    if dry_run:
        from radar.brief_plan import dry_run as estimate

        _print_plan(estimate(selection, plan, model))
        return
    console = err()
    with live_status("writing the brief…") as progress:
        runner = core.ModelRunner(
            db,
            model,
            api_base=settings.llm_api_base,
            use_cache=not no_cache,
            stream=console.is_terminal,
            timeout=settings.llm_timeout,
            progress=progress,
        )
        text = core.write_with_model(runner, selection, plan, lang, count)
    checked = core.check_citations(text, selection.ids)
    markdown = core.assemble(selection, checked, model, lang)
    write_output(markdown, output, make_dirs=True)
    core.save_brief(db, selection, model, lang, markdown, checked.cited)
    usage = runner.usage
    cost = f", ${usage.cost_usd:.4f}" if usage.cost_usd is not None else ""
    say(
        f"{plural(len(selection.cards), 'paper')}, {plural(usage.calls, 'model call')}"
        f" ({usage.cached} cached): {usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens{cost}.",
        style="dim",
    )
    for paper_id in checked.removed:
        say(
            f"Warning: the model cited arXiv:{paper_id}, which is not among the papers given; the citation was removed.",
            style="yellow",
        )


def _require_papers(selection: Any, window: Any, fail_empty: bool) -> None:
    """With nothing to write about, write nothing (no file either) and say so on stderr."""
    if not selection.cards:
        say(f"No paper {window.in_words} matches your follows (and filters): no brief written.")
        raise typer.Exit(EXIT_EMPTY if fail_empty else 0)


def _print_plan(run: Any) -> None:
    """The dry run, on stdout: what would be sent, and what it would cost."""
    from radar.readable import readable

    selection, plan = run.selection, run.plan
    lines = [
        f"Dry run: a brief of {plural(len(selection.cards), 'paper')} ({selection.window.label}) with {run.model}."
    ]
    for card in selection.cards:
        lines.append(f"  {card.rank:3d}. {card.paper.id}  {readable(card.paper.title)[:100]}")
    shape = f"{run.note_calls} note calls, then the brief" if run.note_calls else "one call"
    lines.append(f"Model calls: {plan.calls} ({shape}); context window {plan.context:,} tokens.")
    lines.append(
        f"Estimated tokens: {plan.prompt_tokens:,} prompt (papers: {plan.paper_tokens:,}), "
        f"up to {run.completion_tokens:,} completion."
    )
    lines.append(
        "Estimated cost: "
        + (
            f"${run.cost_usd:.4f}"
            if run.cost_usd is not None
            else "unknown (litellm has no prices for this model)"
        )
    )
    lines.append("Nothing was sent.")
    print("\n".join(lines))
