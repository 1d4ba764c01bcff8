"""Dense embeddings of paper text through litellm's `embedding()`, for the interest model.

Optional: only with `RADAR_EMBED_MODEL` set (with `RADAR_LLM_API_BASE` for a local server,
as for the brief). Each text is embedded once: vectors are kept in `relevance_embeddings`,
keyed by the model and a hash of the text. Nothing here prints; a failing endpoint raises
ModelError, and the interest model falls back to its sparse part.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from radar.database import Database
from radar.errors import ModelError
from radar.store import chunks, placeholders

BATCH = 64  # texts per request


@dataclass(frozen=True)
class Embedder:
    model: str
    api_base: str = ""
    timeout: float = 120.0


def embedder(settings: Any) -> Embedder | None:
    """The configured embedder (RADAR_EMBED_MODEL), or None for the sparse model alone."""
    if not settings.embed_model:
        return None
    return Embedder(settings.embed_model, settings.llm_api_base, settings.llm_timeout)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """The texts' vectors from the endpoint, in batches."""
    from radar.llm import describe_error, import_litellm, quiet_stdout

    litellm = import_litellm()
    vectors: list[list[float]] = []
    for part in chunks(list(texts), BATCH):
        kwargs: dict[str, object] = {
            "model": embedder.model,
            "input": list(part),
            "timeout": embedder.timeout,
        }
        if embedder.api_base:
            kwargs["api_base"] = embedder.api_base
            kwargs["api_key"] = os.environ.get("RADAR_LLM_API_KEY") or "sk-no-key"
        try:
            with quiet_stdout():
                response = litellm.embedding(**kwargs)
        except Exception as exc:
            raise ModelError(
                describe_error(litellm, embedder.model, embedder.api_base, embedder.timeout, exc)
            ) from None
        for item in response.data:
            vectors.append(list(item["embedding"] if isinstance(item, dict) else item.embedding))
    if len(vectors) != len(texts):
        raise ModelError(f"{embedder.model} returned {len(vectors)} embeddings for {len(texts)} texts")
    return vectors


def embed(db: Database, embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """Each text's vector: from the cache, else from the endpoint (then cached)."""
    keys = [text_hash(t) for t in texts]
    found: dict[str, list[float]] = {}
    for part in chunks(sorted(set(keys))):
        for key, vector in db.execute(
            "select text_hash, vector_json from relevance_embeddings where model = ? "
            f"and text_hash in ({placeholders(part)})",
            [embedder.model, *part],
        ):
            found[key] = json.loads(vector)
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
    if missing:
        fresh = request(embedder, list(missing.values()))
        found.update(zip(missing, fresh, strict=True))
        try:
            with db.atomic():
                db.conn.executemany(
                    "insert or replace into relevance_embeddings (model, text_hash, vector_json) values (?, ?, ?)",
                    [(embedder.model, k, json.dumps(v)) for k, v in zip(missing, fresh, strict=True)],
                )
        except sqlite3.OperationalError:  # a busy store: computed again next time
            pass
    return [found[k] for k in keys]
