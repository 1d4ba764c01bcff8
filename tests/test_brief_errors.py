"""Brief errors that say what to fix: the key variable, the address tried, an unknown
model (refused by --dry-run as by a real run) and an unknown language."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fails, ok, run_radar
from feeds import Item, rss_feed, write
from llm_server import ChatServer

from radar.languages import language_code, language_name


@pytest.fixture
def model() -> Iterator[ChatServer]:
    server = ChatServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def papers(tmp_path: Path) -> None:
    ok("import", str(write(tmp_path / "feed.xml", rss_feed([Item("2611.00001")], day="2026-11-20"))))
    ok("follow", "--no-fetch", "--category", "cs.LG")


def brief(*args: str, **env: str) -> str:
    return fails(1, "brief", "--since", "2026-11-01", *args, env=env)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_missing_key_names_the_variable(model: ChatServer) -> None:
    stderr = brief("--model", "openai/gpt-4o-mini")
    assert stderr.startswith("Error: openai/gpt-4o-mini: OPENAI_API_KEY is not set: ")
    assert len(stderr.strip().splitlines()) == 1
    assert "ANTHROPIC_API_KEY is not set" in brief("--model", "anthropic/claude-3-5-haiku-20241022")
    # A dry run calls nothing, so it plans, and warns.
    result = run_radar("brief", "--since", "2026-11-01", "--dry-run", "--model", "openai/gpt-4o-mini")
    assert (
        result.returncode == 0 and "Warning: openai/gpt-4o-mini: OPENAI_API_KEY is not set" in result.stderr
    )


def test_a_refused_key_names_the_variable(model: ChatServer) -> None:
    # litellm sends openai/ models to OPENAI_BASE_URL: here a loopback server that says 401.
    model.status = [401] * 5
    stderr = brief(
        "--model", "openai/gpt-4o-mini", OPENAI_API_KEY="sk-wrong-key-123", OPENAI_BASE_URL=model.url
    )
    assert stderr == "Error: openai/gpt-4o-mini: the key in OPENAI_API_KEY was refused (401)\n"
    assert model.headers and model.headers[0]["authorization"] == "Bearer sk-wrong-key-123"


def test_a_connection_failure_names_the_address() -> None:
    port = closed_port()
    stderr = brief("--model", "ollama_chat/llama3.1", OLLAMA_API_BASE=f"http://127.0.0.1:{port}")
    assert stderr.startswith(f"Error: ollama_chat/llama3.1: no model server at http://127.0.0.1:{port}")
    stderr = brief("--model", "openai/x", RADAR_LLM_API_BASE=f"http://127.0.0.1:{port}/v1")
    assert stderr.startswith(f"Error: openai/x: no model server at http://127.0.0.1:{port}/v1")


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_unknown_model_is_refused_with_close_names(dry_run: bool) -> None:
    extra = ["--dry-run"] if dry_run else []
    stderr = brief(*extra, "--model", "nonsense/model")
    assert stderr.startswith("Error: unknown model 'nonsense/model': litellm knows no provider for it")
    stderr = brief(*extra, "--model", "gpt-4o-mnii")
    assert "did you mean openai/gpt-4o-mini" in stderr and len(stderr.strip().splitlines()) == 1


def test_a_typo_in_a_known_providers_model_is_warned(model: ChatServer) -> None:
    result = run_radar(
        "brief",
        "--since",
        "2026-11-01",
        "--dry-run",
        "--model",
        "openai/gpt-4o-mnii",
        env={"OPENAI_API_KEY": "x"},
    )
    assert result.returncode == 0
    assert (
        "Warning: litellm does not know the model 'openai/gpt-4o-mnii' (close: openai/gpt-4o-mini"
        in result.stderr
    )


def test_languages_by_code_or_name() -> None:
    assert [language_code(v) for v in ("de", "German", "GERMAN", "zh-TW", "pt_BR", "Swahili")] == [
        "de",
        "de",
        "de",
        "zh-tw",
        "pt-br",
        "sw",
    ]
    assert language_name("sw") == "Swahili" and language_name("zh-tw") == "Chinese"


def test_an_unknown_language_is_refused_in_one_line(model: ChatServer) -> None:
    stderr = fails(2, "brief", "--since", "2026-11-01", "--offline", "--lang", "klingon")
    assert stderr == (
        "Error: unknown language 'klingon' for --lang: give an ISO 639-1 code or an English name "
        "(de, German, zh-TW)\n"
    )
    assert "did you mean de (German)?" in fails(2, "brief", "--offline", "--lang", "germn")
    # A language by its name reaches the prompt by its name.
    env = {"RADAR_MODEL": "openai/radar-test", "RADAR_LLM_API_BASE": model.url}
    result = run_radar("brief", "--since", "2026-11-01", "--lang", "Swahili", env=env)
    assert result.returncode == 0, result.stderr
    assert "Write in Swahili." in model.requests[0]["messages"][0]["content"]
