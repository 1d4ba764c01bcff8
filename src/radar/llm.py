"""The language model, through litellm: the only module that imports it.

litellm is slow to import (~3 s) and noisy by default, so it is imported lazily and
tamed first: no price-list download at import, no implicit `.env` loading, no debug
banners, and nothing it prints can reach stdout (which carries the brief).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from radar.errors import ModelError
from radar.http import retry_after_seconds

DEFAULT_CONTEXT = 8192  # for models litellm does not know: assume a small local model
RATE_LIMIT_RETRIES = 3
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is cut to this: a brief is waited for
_litellm: Any = None
_sleep = time.sleep  # the pause before a retry; tests count the pauses instead of taking them


def import_litellm() -> Any:
    """Import litellm once, configured to stay quiet and offline."""
    global _litellm
    if _litellm is None:
        # Both must be set before the import: the first stops a blocking download of
        # the price list, the second stops litellm loading .env files it finds.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_MODE", "PRODUCTION")
        import logging
        import warnings

        # litellm's pydantic models warn about their own typing at first use; not the user's concern.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pydantic\..*")
        with contextlib.redirect_stdout(sys.stderr):
            import litellm

        litellm.suppress_debug_info = True
        litellm.telemetry = False
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "openai"):
            logging.getLogger(name).setLevel(logging.WARNING)
        _litellm = litellm
    return _litellm


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    # Whatever litellm prints goes to stderr: stdout is the brief's.
    with contextlib.redirect_stdout(sys.stderr):
        yield


@dataclass
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    seconds: float


def count_tokens(model: str, messages: list[dict[str, str]]) -> int:
    litellm = import_litellm()
    with quiet_stdout():
        try:
            return int(litellm.token_counter(model=model, messages=messages))
        except Exception:
            # Unknown tokenizer: a conservative estimate of 3 characters a token.
            return sum(len(m["content"]) for m in messages) // 3 + 4 * len(messages)


def context_window(model: str, override: int = 0) -> int:
    """The model's input limit, from litellm's table; a small default for unknown models."""
    if override > 0:
        return override
    litellm = import_litellm()
    with quiet_stdout():
        try:
            info = litellm.get_model_info(model)
        except Exception:
            return DEFAULT_CONTEXT
    value = info.get("max_input_tokens") or info.get("max_tokens")
    return int(value) if value else DEFAULT_CONTEXT


def price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """US dollars for that many tokens, when litellm knows the model's prices."""
    litellm = import_litellm()
    with quiet_stdout():
        try:
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:
            return None
    total = float(prompt_cost) + float(completion_cost)
    return total if total > 0 else None


def complete(
    model: str,
    messages: list[dict[str, str]],
    *,
    api_base: str = "",
    max_tokens: int = 2000,
    timeout: float = 120.0,
    stream: bool = False,
    on_progress: Callable[[int], None] | None = None,
    backoff: float = 2.0,
    **options: Any,
) -> Reply:
    """One model call. Rate limits are retried with bounded back-off; every other
    failure becomes a one-line ModelError. API keys come from the provider's own
    environment variables and never pass through radar."""
    litellm = import_litellm()
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "temperature": 0.2,
        "max_tokens": max_tokens,
        "timeout": timeout,
        "num_retries": 0,
        **options,  # e.g. mock_response in tests
    }
    if api_base:
        kwargs["api_base"] = api_base
        # A custom server gets its own key (RADAR_LLM_API_KEY), never the provider's:
        # OPENAI_API_KEY must not travel to whatever address a config file names.
        kwargs["api_key"] = os.environ.get("RADAR_LLM_API_KEY") or "sk-no-key"
    started = time.monotonic()
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            with quiet_stdout():
                if stream:
                    text, usage = _streamed(litellm, kwargs, on_progress)
                else:
                    response = litellm.completion(**kwargs)
                    text = response.choices[0].message.content or ""
                    usage = getattr(response, "usage", None)
            break
        except (litellm.RateLimitError, litellm.ServiceUnavailableError) as exc:
            # 429 and 503 say "not now": retried, after the server's Retry-After when it
            # gives one ("0" means at once), else after an exponential back-off.
            if attempt == RATE_LIMIT_RETRIES:
                if isinstance(exc, litellm.RateLimitError):
                    raise ModelError(f"{model}: rate limited by the provider, {attempt + 1} tries") from None
                where = f" at {_redact(api_base)}" if api_base else ""
                raise ModelError(
                    f"{model}: the model server{where} is unavailable (HTTP 503), {attempt + 1} tries"
                ) from None
            pause = _retry_after(exc)
            _sleep(backoff * (2**attempt) if pause is None else pause)
        except Exception as exc:
            raise ModelError(describe_error(litellm, model, api_base, timeout, exc)) from None
    prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0) or count_tokens(model, messages)
    completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0) or count_tokens(
        model, [{"role": "assistant", "content": text}]
    )
    if not text.strip():
        raise ModelError(f"{model}: the model returned an empty answer")
    return Reply(
        text=text,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=price(model, prompt_tokens, completion_tokens),
        seconds=time.monotonic() - started,
    )


def _streamed(
    litellm: Any, kwargs: dict[str, Any], on_progress: Callable[[int], None] | None
) -> tuple[str, Any]:
    parts: list[str] = []
    usage = None
    chunks = 0
    for chunk in litellm.completion(**kwargs, stream=True, stream_options={"include_usage": True}):
        if getattr(chunk, "usage", None):
            usage = chunk.usage
        if chunk.choices:
            delta = chunk.choices[0].delta.content
            if delta:
                parts.append(delta)
                chunks += 1
                if on_progress is not None:
                    on_progress(chunks)
    return "".join(parts), usage


def _retry_after(exc: Exception) -> float | None:
    """The wait the server's Retry-After asks for, at most MAX_RETRY_AFTER; None without one.
    litellm keeps the server's headers in `litellm_response_headers`: the `response` its
    exceptions carry is a stand-in with none (1.106)."""
    value = None
    for headers in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if headers and (value := headers.get("retry-after")) is not None:
            break
    seconds = retry_after_seconds(value)
    return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def describe_error(litellm: Any, model: str, api_base: str, timeout: float, exc: Exception) -> str:
    """One line a user can act on. Never includes the API key or the request."""
    where = f" at {_redact(api_base)}" if api_base else ""
    if isinstance(exc, litellm.AuthenticationError):
        names = ["RADAR_LLM_API_KEY"] if api_base else key_variables(model)
        if not names:
            return f"{model}: the provider refused the API key (401)"
        return f"{model}: the key in {' or '.join(names)} was refused (401)"
    if _no_connection(litellm, exc):
        address = api_base or default_address(model)
        if address:
            from urllib.parse import urlsplit

            host = urlsplit(address).hostname or ""
            if host in ("localhost", "::1") or host.startswith("127."):
                return f"{model}: no model server at {_redact(address)} (is it running?)"
            return f"{model}: cannot connect to {_redact(address)} (check the network, or the address)"
    if isinstance(exc, litellm.ContextWindowExceededError):
        return f"{model}: the prompt is larger than the model's context window; try a smaller --max-papers"
    if isinstance(exc, litellm.Timeout):
        return f"{model}: no answer within {timeout:g} s{where}"
    if isinstance(exc, litellm.NotFoundError):
        return f"{model}: the provider does not know this model{where}"
    if isinstance(
        exc, (litellm.APIConnectionError, litellm.InternalServerError, litellm.ServiceUnavailableError)
    ):
        # Connection refused for openai/ models arrives as an internal server error.
        return f"{model}: cannot get an answer from the model{where} ({type(exc).__name__})"
    if isinstance(exc, litellm.BadRequestError):
        return f"{model}: the provider rejected the request ({_first_line(exc)})"
    return f"{model}: {type(exc).__name__}: {_first_line(exc)}"


def _redact(url: str) -> str:
    """The URL without user:password@ or a query string, where keys sometimes hide."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # Provider messages can echo request details; keep them short.
    return text[:200]


# --- what to fix before a call: the provider, its key, its address ----------------------------

# Where litellm sends a provider's requests when no address is given (litellm 1.106), for
# the message of a failed connection; the environment variables litellm reads come first.
_DEFAULT_ADDRESSES = {
    "openai": (("OPENAI_BASE_URL", "OPENAI_API_BASE"), "https://api.openai.com/v1"),
    "ollama": (("OLLAMA_API_BASE",), "http://localhost:11434"),
    "ollama_chat": (("OLLAMA_API_BASE",), "http://localhost:11434"),
    "anthropic": (("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"), "https://api.anthropic.com"),
    "lm_studio": (("LM_STUDIO_API_BASE",), "http://localhost:1234/v1"),
}
# Providers that run on the user's own machine and need no key, whatever
# validate_environment says (it asks Ollama for OLLAMA_API_BASE, which has a default).
_LOCAL_PROVIDERS = frozenset({"ollama", "ollama_chat", "lm_studio", "hosted_vllm", "llamafile"})


def _provider(model: str) -> str | None:
    litellm = import_litellm()
    with quiet_stdout():
        try:
            return str(litellm.get_llm_provider(model=model)[1])
        except Exception:
            return None


def default_address(model: str) -> str | None:
    """The address litellm calls for this model when radar gives none."""
    names, default = _DEFAULT_ADDRESSES.get(_provider(model) or "", ((), ""))
    return next((os.environ[n] for n in names if os.environ.get(n)), default) or None


def _no_connection(litellm: Any, exc: Exception) -> bool:
    """A server that is not there: litellm says so as APIConnectionError, or for openai/
    models as InternalServerError("Connection error.")."""
    if isinstance(exc, litellm.Timeout):
        return False
    if isinstance(exc, litellm.APIConnectionError):
        return True
    text = str(exc).lower()
    return isinstance(exc, litellm.InternalServerError) and (
        "connection error" in text or "connection refused" in text
    )


def key_variables(model: str) -> list[str]:
    """The environment variables litellm reads the key for this model from, set or not,
    as its validate_environment names them when they are missing."""
    import unittest.mock

    litellm = import_litellm()
    hidden = {name: "" for name in os.environ if "KEY" in name or "TOKEN" in name}
    with unittest.mock.patch.dict(os.environ):
        for name in hidden:
            del os.environ[name]
        with quiet_stdout():
            try:
                missing = litellm.validate_environment(model=model).get("missing_keys") or []
            except Exception:
                return []
    return [name for name in missing if "KEY" in name or "TOKEN" in name]


def known_models(model: str, n: int = 3) -> list[str]:
    """litellm's known model names closest to `model`, as `provider/name`."""
    import difflib

    litellm = import_litellm()
    names = []
    for name, info in litellm.model_cost.items():
        provider = info.get("litellm_provider") if isinstance(info, dict) else None
        if name == "sample_spec" or not isinstance(provider, str):
            continue
        names.append(name if name.startswith(provider + "/") else f"{provider}/{name}")
    wanted = model if "/" in model else f"openai/{model}"
    return difflib.get_close_matches(wanted, names, n=n, cutoff=0.7)


def check_model(model: str, api_base: str = "", need_key: bool = True) -> list[str]:
    """What would stop a call to `model` before it is made, as a ModelError: a provider
    litellm does not know, or (need_key) a key variable that is not set. Returns warnings:
    a model litellm's table does not know, for a provider that may know it all the same."""
    litellm = import_litellm()
    provider = _provider(model)
    if provider is None:
        close = known_models(model)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ModelError(
            f"unknown model {model!r}: litellm knows no provider for it (write provider/model, e.g. "
            f"openai/gpt-4o-mini or ollama_chat/llama3.1){hint}"
        )
    if need_key and (missing := missing_key(model, api_base)):
        raise ModelError(missing)
    bare = model.split("/", 1)[1] if model.startswith(provider + "/") else model
    if api_base or provider in _LOCAL_PROVIDERS or bare in litellm.model_cost or model in litellm.model_cost:
        return []
    close = [name for name in known_models(model) if name != model]
    if not close:
        return []
    return [f"litellm does not know the model {model!r} (close: {', '.join(close)}); the provider decides"]


def missing_key(model: str, api_base: str = "") -> str | None:
    """ "OPENAI_API_KEY is not set", when litellm would call the provider without its key;
    None when the key is there, or radar gives the address (RADAR_LLM_API_KEY), or the
    model runs locally."""
    provider = _provider(model)
    if api_base or provider is None or provider in _LOCAL_PROVIDERS:
        return None
    litellm = import_litellm()
    with quiet_stdout():
        try:
            missing = litellm.validate_environment(model=model).get("missing_keys") or []
        except Exception:
            return None
    keys = [name for name in missing if "KEY" in name or "TOKEN" in name]
    if not keys:
        return None
    unset = f"{keys[0]} is not set" if len(keys) == 1 else f"none of {', '.join(keys)} is set"
    return f"{model}: {unset}: export the provider's key, or use a local model (--model ollama_chat/llama3.1) or --offline"
