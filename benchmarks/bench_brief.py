"""How many model calls and prompt tokens a brief costs.

Run it from the repository root:

    uv run python benchmarks/bench_brief.py

The budget (from the issue): a 100-paper brief in at most 3 model calls on a 128k
model, with prompt tokens no more than 1.3x the tokens of the titles and abstracts
sent; and a 200-paper week must work on an 8k-context local model.

It builds a store of synthetic papers with realistic sizes (150-250-word abstracts,
1-12 authors) through radar's own code, runs the installed `radar brief` against an
OpenAI-compatible server on loopback (tests/llm_server.py) through litellm, and counts
what the server received: calls, and prompt tokens as litellm's token counter sees the
messages, against the tokens of the titles and abstracts alone.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from feeds import Item, rss_feed  # noqa: E402
from llm_server import ChatServer  # noqa: E402

WORDS = (
    "learning model neural graph data network deep training robust policy reward kernel transformer "
    "attention diffusion language vision agent planning world representation causal inference bayesian "
    "optimisation gradient convergence theory benchmark dataset evaluation alignment safety retrieval "
    "generation reasoning memory scaling sparse efficient federated privacy fairness uncertainty control"
).split()


def synthetic(count: int, seed: int = 7) -> list[Item]:
    rng = random.Random(seed)
    items = []
    for i in range(count):
        abstract = ". ".join(
            " ".join(rng.choices(WORDS, k=rng.randint(14, 24))).capitalize()
            for _ in range(rng.randint(8, 11))
        )
        title = " ".join(rng.choices(WORDS, k=rng.randint(6, 11))).title()
        authors = [
            f"{rng.choice(['Ana', 'Bo', 'Chen', 'Dara', 'Eli', 'Femi'])} {rng.choice(['Ng', 'Park', 'Silva', 'Weber', 'Okafor'])}{j}"
            for j in range(rng.randint(1, 12))
        ]
        items.append(Item(f"2611.{i:05d}", title=title, abstract=abstract + ".", authors=authors))
    return items


def run(count: int, context: int) -> dict[str, float]:
    from radar import llm

    def reply(messages: list[dict]) -> str:
        ids = re.findall(r'id="([^"]+)"', messages[-1]["content"]) or re.findall(
            r"\[arXiv:([^\]]+)\]", messages[-1]["content"]
        )
        if "prepare notes" in messages[0]["content"] or "combine notes" in messages[0]["content"]:
            return "\n".join(
                f"- [arXiv:{i}] (cs.LG; new) a contribution in one sentence of about fifteen words here."
                for i in ids
            )
        return "## Overview\n" + " ".join(f"A claim [arXiv:{i}]." for i in ids[:20])

    server = ChatServer(reply=reply).start()
    items = synthetic(count)
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "RADAR_HOME": home,
            "RADAR_MODEL": "openai/bench-model",
            "RADAR_LLM_API_BASE": server.url,
            "RADAR_LLM_CONTEXT": str(context),
        }
        radar = str(Path(sys.executable).parent / "radar")
        feed = Path(home) / "feed.xml"
        feed.write_bytes(rss_feed(items))
        subprocess.run([radar, "import", str(feed)], env=env, check=True, capture_output=True)
        subprocess.run(
            [radar, "follow", "--no-fetch", "--category", "cs.LG"], env=env, check=True, capture_output=True
        )
        result = subprocess.run(
            [radar, "brief", "--since", "2026-11-01", "--max-papers", str(count)],
            env=env,
            capture_output=True,
            text=True,
        )
    server.stop()
    if result.returncode != 0:
        raise SystemExit(f"radar brief failed: {result.stderr}")
    count_tokens = lambda messages: llm.count_tokens("gpt-4o-mini", messages)  # noqa: E731
    prompt = sum(count_tokens(r["messages"]) for r in server.requests)
    first_pass = [
        r for r in server.requests if "prepare notes" in r["messages"][0]["content"]
    ] or server.requests[:1]
    papers = sum(count_tokens([{"role": "user", "content": f"{it.title}\n{it.abstract}"}]) for it in items)
    sent_first = sum(count_tokens(r["messages"]) for r in first_pass)
    return {"calls": len(server.requests), "prompt": prompt, "papers": papers, "first_pass": sent_first}


def main() -> None:
    print("brief cost on synthetic papers (a loopback model through litellm; tokens by litellm's counter)\n")
    print(
        f"{'papers':>7} {'context':>8} {'calls':>6} {'prompt tokens':>14} {'paper tokens':>13} {'ratio':>6}"
    )
    rows = []
    for count, context in ((100, 128_000), (200, 8192), (200, 128_000)):
        r = run(count, context)
        ratio = r["prompt"] / r["papers"]
        rows.append((count, context, r, ratio))
        print(f"{count:>7} {context:>8,} {r['calls']:>6} {r['prompt']:>14,} {r['papers']:>13,} {ratio:>6.2f}")
    big = rows[0]
    print()
    print(
        f"{'PASS' if big[2]['calls'] <= 3 else 'FAIL'}: 100 papers on a 128k model in {big[2]['calls']} call(s) (budget 3)"
    )
    print(
        f"{'PASS' if big[3] <= 1.3 else 'FAIL'}: prompt tokens {big[3]:.2f}x the titles and abstracts (budget 1.3x)"
    )
    print(f"PASS: 200 papers on an 8k model in {rows[1][2]['calls']} calls (map-reduce)")


if __name__ == "__main__":
    main()
