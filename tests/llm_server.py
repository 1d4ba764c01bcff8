"""A real OpenAI-compatible chat server on loopback, for litellm to talk to in tests.

It answers /v1/chat/completions plainly or as a stream (server-sent events), and
/v1/embeddings with a vector per input (by default words hashed into 64 dimensions, so
texts sharing words are close); it can be told to fail (401, 429, 500, 503), to be slow,
or to answer with a given text.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def hashed_words(text: str, size: int = 64) -> list[float]:
    """A bag of words hashed into `size` dimensions: a stand-in embedding with topical sense."""
    import hashlib

    vector = [0.0] * size
    for word in text.lower().split():
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % size] += 1.0
    return vector


@dataclass
class ChatServer:
    reply: Callable[[list[dict[str, Any]]], str] = lambda messages: "A brief."
    embed: Callable[[str], list[float]] = hashed_words
    status: list[int] = field(default_factory=list)  # statuses to answer with first, in order
    delay: float = 0.0
    retry_after: str | None = "0"  # the Retry-After header of a 429 or 503; None sends none
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> ChatServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                owner.requests.append(body)
                owner.headers.append({k.lower(): v for k, v in self.headers.items()})
                if owner.delay:
                    time.sleep(owner.delay)
                if owner.status:
                    code = owner.status.pop(0)
                    if code != 200:
                        payload = json.dumps(
                            {"error": {"message": f"forced {code}", "type": "test", "code": code}}
                        ).encode()
                        self.send_response(code)
                        self.send_header("Content-Type", "application/json")
                        if code in (429, 503) and owner.retry_after is not None:
                            self.send_header("Retry-After", owner.retry_after)
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                if self.path.rstrip("/").endswith("/embeddings"):
                    inputs = body.get("input", [])
                    inputs = [inputs] if isinstance(inputs, str) else inputs
                    data = [
                        {"object": "embedding", "index": i, "embedding": owner.embed(t)}
                        for i, t in enumerate(inputs)
                    ]
                    payload = json.dumps(
                        {
                            "object": "list",
                            "data": data,
                            "model": body.get("model", "test"),
                            "usage": {"prompt_tokens": 10, "total_tokens": 10},
                        }
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                text = owner.reply(body.get("messages", []))
                usage = {
                    "prompt_tokens": 100,
                    "completion_tokens": max(1, len(text) // 4),
                    "total_tokens": 100 + len(text) // 4,
                }
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    words = text.split(" ")
                    for i, word in enumerate(words):
                        piece = word if i == 0 else " " + word
                        chunk = {
                            "id": "chatcmpl-test",
                            "object": "chat.completion.chunk",
                            "created": int(time.time()),
                            "model": body.get("model", "test"),
                            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                        }
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    final = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": body.get("model", "test"),
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                        "usage": usage,
                    }
                    self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
                    return
                payload = json.dumps(
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "test"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": usage,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client that gave up (radar's timeout) before a slow answer: expected
                # here. The stdlib would print a traceback to sys.stderr, which an
                # in-process radar run of a later test captures as its own.
                pass

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
