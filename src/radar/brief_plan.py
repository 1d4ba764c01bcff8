"""What `radar brief --dry-run` reports, as data: the papers, the calls, tokens and cost.

The command renders it; nothing here prints, and nothing is sent to the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from radar.brief import FINAL_MAX_TOKENS, NOTES_MAX_TOKENS, Plan, Selection


@dataclass
class DryRun:
    selection: Selection
    plan: Plan
    model: str
    note_calls: int  # map calls before the brief; 0 when one call holds every paper
    completion_tokens: int  # at most: each call's max_tokens
    cost_usd: float | None  # None when litellm has no prices for the model


def dry_run(selection: Selection, plan: Plan, model: str) -> DryRun:
    from radar import llm

    notes = len(plan.chunks)
    completion = FINAL_MAX_TOKENS + NOTES_MAX_TOKENS * notes
    cost = llm.price(model, plan.prompt_tokens, completion)
    return DryRun(selection, plan, model, notes, completion, cost)
