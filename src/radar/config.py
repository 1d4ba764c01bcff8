"""Where radar keeps its files and how its settings are resolved.

Precedence, highest first: command-line option > environment variable > config file
(`$RADAR_HOME/config.toml`) > built-in default. Everything that reads a setting goes
through `load_settings()`, so the precedence lives in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radar.errors import RadarError, UsageError

APP_NAME = "radar"

# (config-file key, environment variable, default, type) for every setting.
# The README's table is written from this list.
SETTINGS: dict[str, tuple[str, Any, type]] = {
    "arxiv_api_url": ("RADAR_ARXIV_API_URL", "https://export.arxiv.org/api/query", str),
    "arxiv_rss_url": ("RADAR_ARXIV_RSS_URL", "https://rss.arxiv.org/rss/", str),
    "arxiv_delay": ("RADAR_ARXIV_DELAY", 3.0, float),
    "http_timeout": ("RADAR_HTTP_TIMEOUT", 30.0, float),
    "http_retries": ("RADAR_HTTP_RETRIES", 4, int),
    "http_backoff": ("RADAR_HTTP_BACKOFF", 2.0, float),
    "http_retry_budget": ("RADAR_HTTP_RETRY_BUDGET", 300.0, float),
    "contact_email": ("RADAR_CONTACT_EMAIL", "", str),
    "model": ("RADAR_MODEL", "", str),
    "llm_api_base": ("RADAR_LLM_API_BASE", "", str),
    "llm_context": ("RADAR_LLM_CONTEXT", 0, int),  # 0: ask litellm, else 8192
    "llm_timeout": ("RADAR_LLM_TIMEOUT", 120.0, float),
    "brief_lang": ("RADAR_BRIEF_LANG", "en", str),
    "today_limit": ("RADAR_TODAY_LIMIT", 10, int),
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
    origins: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not regular attributes: the settings table.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)


def _coerce(key: str, raw: Any, kind: type, origin: str) -> Any:
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise UsageError(f"{key} from {origin} must be a {kind.__name__}, got {raw!r}") from None
    if kind is float and value < 0:
        raise UsageError(f"{key} from {origin} must not be negative, got {raw!r}")
    if key.endswith("_url") and not str(value).startswith(("http://", "https://")):
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
    except OSError as exc:
        raise RadarError(f"cannot read {path}: {exc.strerror}") from None
    return data


def load_settings(db: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Resolve every setting once. `db` is the `--db` option (it beats `RADAR_DB`)."""
    home = radar_home()
    config_path = home / "config.toml"
    file_values = read_config_file(config_path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
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
    if db is not None:
        db_path = Path(db).expanduser()
    elif os.environ.get("RADAR_DB"):
        db_path = Path(os.environ["RADAR_DB"]).expanduser()
    else:
        db_path = home / "radar.db"
    return Settings(home=home, db_path=db_path, config_path=config_path, values=values, origins=origins)
