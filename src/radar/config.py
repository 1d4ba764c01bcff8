"""Where radar keeps its files and how its settings are resolved.

Precedence, highest first: command-line option > environment variable > config file
(`$RADAR_HOME/config.toml`) > built-in default. Everything that reads a setting goes
through `load_settings()`, so the precedence lives in one place.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radar.errors import RadarError, UsageError
from radar.files import write_atomically

APP_NAME = "radar"

# (config-file key, environment variable, default, type) for every setting.
# The README's table is written from this list.
SETTINGS: dict[str, tuple[str, Any, type]] = {
    "arxiv_api_url": ("RADAR_ARXIV_API_URL", "https://export.arxiv.org/api/query", str),
    "arxiv_rss_url": ("RADAR_ARXIV_RSS_URL", "https://rss.arxiv.org/rss/", str),
    "oai_url": ("RADAR_OAI_URL", "https://oaipmh.arxiv.org/oai", str),
    "arxiv_delay": ("RADAR_ARXIV_DELAY", 3.0, float),
    "http_timeout": ("RADAR_HTTP_TIMEOUT", 30.0, float),
    "http_retries": ("RADAR_HTTP_RETRIES", 4, int),
    "http_backoff": ("RADAR_HTTP_BACKOFF", 2.0, float),
    "http_retry_budget": ("RADAR_HTTP_RETRY_BUDGET", 300.0, float),
    "fetch_deadline": ("RADAR_FETCH_DEADLINE", 600.0, float),  # 0: none
    "contact_email": ("RADAR_CONTACT_EMAIL", "", str),
    "model": ("RADAR_MODEL", "", str),
    "llm_api_base": ("RADAR_LLM_API_BASE", "", str),
    "llm_context": ("RADAR_LLM_CONTEXT", 0, int),  # 0: ask litellm, else 8192
    "llm_timeout": ("RADAR_LLM_TIMEOUT", 120.0, float),
    "brief_lang": ("RADAR_BRIEF_LANG", "en", str),
    "today_limit": ("RADAR_TODAY_LIMIT", 10, int),
    # Apprise URLs for radar send, comma or space separated; they hold passwords and
    # tokens, so radar only ever shows them masked (radar.send.mask_url).
    "send_to": ("RADAR_SEND_TO", "", str),
    "suggest": ("RADAR_SUGGEST", 3, int),  # papers no follow matched, added by relevance; 0: none
    "embed_model": ("RADAR_EMBED_MODEL", "", str),  # a litellm embedding model; "": sparse only
}


def radar_home() -> Path:
    """`RADAR_HOME`, else the platform's user data directory."""
    env = os.environ.get("RADAR_HOME")
    if env:
        return Path(env).expanduser()
    # platformdirs is imported here rather than at the top: it is only needed when
    # RADAR_HOME is not set, and keeping start-up lean is a feature.
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass
class Settings:
    home: Path
    db_path: Path
    config_path: Path
    values: dict[str, Any] = field(default_factory=dict)
    # Where each value came from: "default", an environment variable's name, the config
    # file's path or "option". Also has "home" and "db".
    origins: dict[str, str] = field(default_factory=dict)
    # One-line warnings for people (unknown keys in the config file), without a
    # "Warning: " prefix; the CLI shows them on stderr.
    warnings: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not regular attributes: the settings table.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)


# Numbers are never negative; these have a higher floor.
MINIMUM = {"today_limit": 1}
# A timeout of 0 would fail every request before it starts.
POSITIVE = {"http_timeout"}
_KIND_WORDS: dict[type, str] = {int: "a whole number", float: "a number", str: "text"}

# Settings whose value is a URL; an empty value means "none" where the default is empty.
URL_SETTINGS = {key for key in SETTINGS if key.endswith("_url")} | {"llm_api_base"}


def _coerce(key: str, raw: Any, kind: type, origin: str) -> Any:
    """The value of `key` from `raw` (a string from the environment or the command line,
    or a TOML value from the config file), checked; a UsageError names `origin`."""
    # TOML values must already have the right type: no `today_limit = 10.5` read as 10,
    # no `true` read as 1, no table read as a string.
    wrong_toml_type = not isinstance(raw, str) and (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or kind is str
        or (kind is int and not isinstance(raw, int))
    )
    try:
        if wrong_toml_type:
            raise ValueError
        value = kind(raw)
    except (TypeError, ValueError):
        raise UsageError(f"{key} from {origin} must be {_KIND_WORDS[kind]}, got {raw!r}") from None
    if key in POSITIVE and value <= 0:
        raise UsageError(f"{key} from {origin} must be more than 0, got {raw!r}")
    if kind in (int, float) and value < MINIMUM.get(key, 0):
        least = MINIMUM.get(key, 0)
        rule = "must not be negative" if least == 0 else f"must be at least {least}"
        raise UsageError(f"{key} from {origin} {rule}, got {raw!r}")
    if kind is float and not math.isfinite(value):
        raise UsageError(f"{key} from {origin} must be a finite number, got {raw!r}")
    if key in URL_SETTINGS and (value or key.endswith("_url")):
        if not str(value).startswith(("http://", "https://")):
            raise UsageError(f"{key} from {origin} must be an http:// or https:// URL, got {raw!r}")
    return value


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import tomllib  # only when there is a file to read

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        # TOMLDecodeError's message already carries "(at line N, column M)".
        raise RadarError(f"{path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise RadarError(f"{path} is not valid TOML: it is not UTF-8 text (byte {exc.start + 1})") from None
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None
    return data


def load_settings(db: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Resolve every setting once. `db` is the `--db` option (it beats `RADAR_DB`)."""
    home = radar_home()
    config_path = home / "config.toml"
    file_values = read_config_file(config_path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {"home": "RADAR_HOME" if os.environ.get("RADAR_HOME") else "default"}
    for key, (env, default, kind) in SETTINGS.items():
        if overrides and overrides.get(key) is not None:
            values[key], origins[key] = overrides[key], "option"
        elif os.environ.get(env, "") != "":
            values[key] = _coerce(key, os.environ[env], kind, env)
            origins[key] = env
        elif key in file_values:
            values[key] = _coerce(key, file_values[key], kind, str(config_path))
            origins[key] = str(config_path)
        else:
            values[key], origins[key] = default, "default"
    env_db = os.environ.get("RADAR_DB")
    if db is not None:
        db_path = Path(db).expanduser()
        # Typer fills `--db` from RADAR_DB too: the same path means the variable.
        origins["db"] = "RADAR_DB" if env_db and Path(env_db).expanduser() == db_path else "option"
    elif env_db:
        db_path, origins["db"] = Path(env_db).expanduser(), "RADAR_DB"
    else:
        db_path, origins["db"] = home / "radar.db", "default"
    warnings = [
        f"{config_path} sets an unknown setting {key!r}, which is ignored{_did_you_mean(key)}."
        for key in file_values
        if key not in SETTINGS
    ]
    return Settings(
        home=home, db_path=db_path, config_path=config_path, values=values, origins=origins, warnings=warnings
    )


# --- `radar config`: describing settings and editing the config file --------------------------

# Shown by `radar config show` and `get`, but not keys of config.toml.
PATH_SETTINGS = {"home": "RADAR_HOME", "db": "RADAR_DB"}
SECRET_WORDS = ("key", "token", "secret", "password")
MASK = "********"


def is_secret(key: str) -> bool:
    """radar keeps no API keys; should one ever become a setting, it is never shown."""
    return any(word in key.lower() for word in SECRET_WORDS)


def _did_you_mean(key: str, known: list[str] | None = None) -> str:
    import difflib

    close = difflib.get_close_matches(key, known if known is not None else list(SETTINGS), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(key: str, known: list[str]) -> UsageError:
    return UsageError(f"unknown setting {key!r}; known: {', '.join(known)}{_did_you_mean(key, known)}")


def check_setting(key: str, *, in_file: bool = False) -> None:
    """A UsageError unless `key` names a setting (with `in_file`: one config.toml can hold)."""
    if in_file and key in PATH_SETTINGS:
        raise UsageError(
            f"{key} is not a config-file setting: set {PATH_SETTINGS[key]}"
            + (" or pass --db" if key == "db" else "")
        )
    known = list(SETTINGS) if in_file else [*PATH_SETTINGS, *SETTINGS]
    if key not in known:
        raise _unknown(key, known)


def _mask_url(value: str) -> str:
    """A password inside a URL (http://user:pass@host) is a secret too."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if parts.password is None:
        return value
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return parts._replace(netloc=netloc).geturl()


def shown_value(key: str, value: Any) -> Any:
    """The value as radar may print it: secrets masked."""
    if is_secret(key) and value not in ("", None):
        return MASK
    if key == "send_to" and value:
        from radar.send import masked_setting  # apprise, only when there is a URL to mask

        return masked_setting(str(value))
    if key in URL_SETTINGS and isinstance(value, str):
        return _mask_url(value)
    return value


def describe_settings(settings: Settings) -> list[dict[str, Any]]:
    """Every setting, with its value (secrets masked), its origin and its variable."""
    rows = [
        {"key": "home", "value": str(settings.home), "origin": settings.origins.get("home", "default")},
        {"key": "db", "value": str(settings.db_path), "origin": settings.origins.get("db", "default")},
    ]
    for key in SETTINGS:
        rows.append(
            {"key": key, "value": shown_value(key, settings.values[key]), "origin": settings.origins[key]}
        )
    for row in rows:
        row["env"] = PATH_SETTINGS.get(row["key"]) or SETTINGS[row["key"]][0]
    return rows


def setting_value(settings: Settings, key: str) -> Any:
    """The effective value of one setting (secrets masked); a UsageError for unknown names."""
    check_setting(key)
    if key == "home":
        return str(settings.home)
    if key == "db":
        return str(settings.db_path)
    return shown_value(key, settings.values[key])


def validate_setting(key: str, raw: str) -> Any:
    """`raw` (text from the command line) as the typed value load_settings would accept."""
    check_setting(key, in_file=True)
    _env, _default, kind = SETTINGS[key]
    value = _coerce(key, raw, kind, "the command line")
    if key == "send_to" and value:
        from radar.send import check_urls

        check_urls(value)  # a URL Apprise cannot use is refused now, not at 6:30 tomorrow
    return value


@dataclass
class ConfigChange:
    path: Path
    key: str
    value: Any = None  # the value written, for `set`
    changed: bool = True  # False: `unset` of a key the file did not have
    overridden_by: str | None = None  # an environment variable that takes precedence


def _read_document(path: Path) -> Any:
    """The config file as a tomlkit document (comments and layout kept); empty if missing."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    read_config_file(path)  # tomllib's errors, with their line and column
    if not path.exists():
        return tomlkit.document()
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return tomlkit.parse(fh.read())
    except TOMLKitError as exc:
        raise RadarError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None


def _overriding_env(key: str) -> str | None:
    env = SETTINGS[key][0]
    return env if os.environ.get(env, "") != "" else None


def _dumps(document: Any) -> str:
    """The document as text; lines tomlkit adds follow a file written with CRLF endings."""
    import tomlkit

    text: str = tomlkit.dumps(document)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text


def set_config_value(path: Path, key: str, raw: str) -> ConfigChange:
    """Check `raw` as load_settings would and write it to the config file at `path`,
    keeping the rest of the file (comments, order, layout) as it was."""
    value = validate_setting(key, raw)
    document = _read_document(path)
    document[key] = value
    write_atomically(path, [_dumps(document)])
    return ConfigChange(path, key, value, overridden_by=_overriding_env(key))


def unset_config_value(path: Path, key: str) -> ConfigChange:
    """Remove `key` from the config file. A key the file has but radar does not know
    (a typo) can be removed too."""
    document = _read_document(path)
    if key not in document:
        check_setting(key, in_file=True)
        return ConfigChange(path, key, changed=False, overridden_by=_overriding_env(key))
    del document[key]
    write_atomically(path, [_dumps(document)])
    return ConfigChange(path, key, overridden_by=_overriding_env(key) if key in SETTINGS else None)
