"""`radar config` and the config file, through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_radar

COMMENTED = (
    "# my radar settings\n"
    'model = "openai/gpt-4o-mini"   # the cheap one\n'
    "\n"
    "# cards per page\n"
    "today_limit = 15\n"
)


def ok(*args: str, **kw) -> tuple[str, str]:
    result = run_radar(*args, **kw)
    assert result.returncode == 0, f"radar {' '.join(args)} failed:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout, result.stderr


def fails(code: int, *args: str, **kw) -> str:
    """The one stderr line of a failing command."""
    result = run_radar(*args, **kw)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def shown(*args: str, **kw) -> dict:
    stdout, _ = ok(*args, "config", "show", "--format", "json", **kw)
    return json.loads(stdout)


def config_file(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text)
    return path


def test_path_prints_the_file_without_creating_it(radar_home: Path) -> None:
    stdout, _ = ok("config", "path")
    assert stdout == f"{radar_home / 'config.toml'}\n"
    assert not (radar_home / "config.toml").exists()


def test_show_precedence_default_file_env(radar_home: Path) -> None:
    data = shown()
    assert data["today_limit"] == {"value": 10, "origin": "default", "env": "RADAR_TODAY_LIMIT"}
    assert data["home"]["value"] == str(radar_home) and data["home"]["origin"] == "RADAR_HOME"

    path = config_file(radar_home, "today_limit = 15\narxiv_delay = 7.5\n")
    data = shown()
    assert data["today_limit"] == {"value": 15, "origin": str(path), "env": "RADAR_TODAY_LIMIT"}
    # The tests' environment sets RADAR_ARXIV_DELAY: the variable beats the file.
    assert data["arxiv_delay"]["value"] == 0.0 and data["arxiv_delay"]["origin"] == "RADAR_ARXIV_DELAY"

    data = shown(env={"RADAR_TODAY_LIMIT": "20"})
    assert data["today_limit"] == {"value": 20, "origin": "RADAR_TODAY_LIMIT", "env": "RADAR_TODAY_LIMIT"}


def test_show_precedence_of_the_database(radar_home: Path, tmp_path: Path) -> None:
    assert shown()["db"] == {"value": str(radar_home / "radar.db"), "origin": "default", "env": "RADAR_DB"}
    env = {"RADAR_DB": str(tmp_path / "env.db")}
    assert shown(env=env)["db"]["value"] == str(tmp_path / "env.db")
    assert shown(env=env)["db"]["origin"] == "RADAR_DB"
    data = shown("--db", str(tmp_path / "option.db"), env=env)
    assert data["db"] == {"value": str(tmp_path / "option.db"), "origin": "option", "env": "RADAR_DB"}


def test_show_as_a_table(radar_home: Path) -> None:
    path = config_file(radar_home, 'model = "openai/gpt-4o-mini"\n')
    stdout, _ = ok("config", "show")
    lines = {line.split()[0]: line for line in stdout.splitlines() if line.split()}
    assert "openai/gpt-4o-mini" in lines["model"] and str(path) in lines["model"]
    assert "10" in lines["today_limit"] and "default" in lines["today_limit"]
    assert "RADAR_ARXIV_DELAY" in lines["arxiv_delay"]
    assert "\x1b[" not in stdout


def test_set_get_unset_round_trip_keeps_the_rest_of_the_file(radar_home: Path) -> None:
    path = config_file(radar_home, COMMENTED)
    _, stderr = ok("config", "set", "today_limit", "25")
    assert f"Set today_limit = 25 in {path}." in stderr
    assert path.read_text() == COMMENTED.replace("today_limit = 15", "today_limit = 25")
    assert ok("config", "get", "today_limit")[0] == "25\n"
    assert ok("config", "get", "model")[0] == "openai/gpt-4o-mini\n"

    ok("config", "set", "arxiv_delay", "2.5")
    ok("config", "set", "brief_lang", "zh")
    assert path.read_text() == COMMENTED.replace("today_limit = 15", "today_limit = 25") + (
        'arxiv_delay = 2.5\nbrief_lang = "zh"\n'
    )
    assert shown()["brief_lang"] == {"value": "zh", "origin": str(path), "env": "RADAR_BRIEF_LANG"}

    ok("config", "unset", "today_limit")
    ok("config", "unset", "arxiv_delay")
    ok("config", "unset", "brief_lang")
    assert path.read_text() == COMMENTED.replace("today_limit = 15\n", "")
    assert ok("config", "get", "today_limit")[0] == "10\n"
    _, stderr = ok("config", "unset", "today_limit")
    assert "not set" in stderr


def test_set_keeps_crlf_line_endings(radar_home: Path) -> None:
    path = config_file(radar_home, "")
    path.write_bytes(COMMENTED.replace("\n", "\r\n").encode())
    _, stderr = ok("config", "set", "brief_lang", "de")
    assert 'Set brief_lang = "de" in' in stderr
    assert path.read_bytes() == (COMMENTED + 'brief_lang = "de"\n').replace("\n", "\r\n").encode()


def test_set_creates_radar_home(radar_home: Path) -> None:
    assert not radar_home.exists()
    ok("config", "set", "contact_email", "you@example.org")
    assert (radar_home / "config.toml").read_text() == 'contact_email = "you@example.org"\n'
    assert not [p.name for p in radar_home.iterdir() if p.name != "config.toml"]  # no temp file left
    assert ok("config", "get", "contact_email")[0] == "you@example.org\n"


def test_set_through_a_symlink_keeps_the_link(radar_home: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "radar.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text(COMMENTED)
    radar_home.mkdir()
    (radar_home / "config.toml").symlink_to(dotfiles)
    ok("config", "set", "today_limit", "30")
    assert (radar_home / "config.toml").is_symlink()
    assert "today_limit = 30\n" in dotfiles.read_text()


def test_set_notes_an_overriding_variable(radar_home: Path) -> None:
    _, stderr = ok("config", "set", "model", "openai/gpt-4o", env={"RADAR_MODEL": "ollama_chat/llama3.1"})
    assert "note: RADAR_MODEL is set and takes precedence" in stderr
    assert (
        ok("config", "get", "model", env={"RADAR_MODEL": "ollama_chat/llama3.1"})[0]
        == "ollama_chat/llama3.1\n"
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("today_limit", "ten", "today_limit from the command line must be a whole number, got 'ten'"),
        ("today_limit", "0", "today_limit from the command line must be at least 1"),
        ("http_retries", "2.5", "http_retries from the command line must be a whole number"),
        ("arxiv_delay", "-1", "arxiv_delay from the command line must not be negative"),
        ("http_timeout", "soon", "http_timeout from the command line must be a number"),
        ("http_timeout", "0", "http_timeout from the command line must be more than 0, got '0'"),
        ("arxiv_api_url", "ftp://example.org", "must be an http:// or https:// URL"),
        ("llm_api_base", "localhost:8000", "must be an http:// or https:// URL"),
        ("db", "/tmp/x.db", "db is not a config-file setting: set RADAR_DB or pass --db"),
        ("todya_limit", "3", "unknown setting 'todya_limit'; known: arxiv_api_url,"),
    ],
)
def test_set_validates_like_load_settings(radar_home: Path, key: str, value: str, message: str) -> None:
    path = config_file(radar_home, COMMENTED)
    assert message in fails(2, "config", "set", key, value)
    assert path.read_text() == COMMENTED


def test_unknown_key_suggests_a_close_match() -> None:
    line = fails(2, "config", "get", "todya_limit")
    assert line.startswith("Error: unknown setting 'todya_limit'; known: home, db, arxiv_api_url")
    assert line.endswith("(did you mean 'today_limit'?)")
    assert "did you mean" not in fails(2, "config", "get", "xyzzy")


@pytest.mark.parametrize("command", [("config", "show"), ("config", "get", "model"), ("today",)])
def test_syntax_error_names_the_line(radar_home: Path, command: tuple[str, ...]) -> None:
    path = config_file(radar_home, 'model = "openai/gpt-4o-mini"\ntoday_limit = \n')
    line = fails(1, *command)
    assert line.startswith(f"Error: {path} is not valid TOML: ")
    assert line.endswith("(at line 2, column 15)")


def test_set_refuses_to_edit_a_broken_file(radar_home: Path) -> None:
    path = config_file(radar_home, "today_limit = \n")
    assert "(at line 1, column 15)" in fails(1, "config", "set", "model", "x")
    assert path.read_text() == "today_limit = \n"


def test_not_utf8_is_one_line(radar_home: Path) -> None:
    radar_home.mkdir()
    (radar_home / "config.toml").write_bytes(b'model = "\xff"\n')
    assert "is not valid TOML: it is not UTF-8 text" in fails(1, "config", "show")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('today_limit = "ten"\n', "today_limit from {path} must be a whole number, got 'ten'"),
        ("today_limit = 10.5\n", "today_limit from {path} must be a whole number, got 10.5"),
        ("model = 5\n", "model from {path} must be text, got 5"),
        ("arxiv_rss_url = 'rss.arxiv.org'\n", "arxiv_rss_url from {path} must be an http:// or https:// URL"),
    ],
)
@pytest.mark.parametrize("command", [("config", "show"), ("today",)])
def test_wrong_type_in_the_file(radar_home: Path, text: str, message: str, command: tuple[str, ...]) -> None:
    path = config_file(radar_home, text)
    env = {"RADAR_ARXIV_RSS_URL": ""}  # the tests' variable would hide the file's URL
    assert message.format(path=path) in fails(2, *command, env=env)


def test_wrong_type_can_be_fixed_with_set(radar_home: Path) -> None:
    path = config_file(radar_home, '# cards\ntoday_limit = "ten"\n')
    ok("config", "set", "today_limit", "12")
    assert path.read_text() == "# cards\ntoday_limit = 12\n"


def test_unknown_key_in_the_file_is_a_warning(radar_home: Path) -> None:
    path = config_file(radar_home, COMMENTED + "todya_limit = 3\n")
    stdout, stderr = ok("config", "show", "--format", "json")
    assert json.loads(stdout)["today_limit"]["value"] == 15
    assert stderr == (
        f"Warning: {path} sets an unknown setting 'todya_limit', which is ignored (did you mean 'today_limit'?).\n"
    )
    # The typo can be removed with unset, and the warning is gone.
    ok("config", "unset", "todya_limit")
    assert path.read_text() == COMMENTED
    assert ok("config", "show")[1] == ""


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    from radar import config

    monkeypatch.setitem(config.SETTINGS, "search_api_key", ("RADAR_SEARCH_API_KEY", "", str))
    monkeypatch.setenv("RADAR_SEARCH_API_KEY", "sk-very-secret")
    monkeypatch.setenv("RADAR_LLM_API_BASE", "http://me:hunter2@localhost:8000/v1")
    settings = config.load_settings()
    rows = {row["key"]: row for row in config.describe_settings(settings)}
    assert rows["search_api_key"]["value"] == config.MASK
    assert rows["llm_api_base"]["value"] == f"http://me:{config.MASK}@localhost:8000/v1"
    assert config.setting_value(settings, "search_api_key") == config.MASK
    # The real value is still there for radar itself.
    assert settings.search_api_key == "sk-very-secret"


def test_a_password_in_a_url_is_never_printed() -> None:
    env = {"RADAR_LLM_API_BASE": "http://me:hunter2@localhost:8000/v1"}
    for args in (
        ("config", "show"),
        ("config", "show", "--format", "json"),
        ("config", "get", "llm_api_base"),
    ):
        stdout, stderr = ok(*args, env=env)
        assert "hunter2" not in stdout + stderr
        assert "localhost:8000" in stdout


def test_config_has_help() -> None:
    stdout, _ = ok("config", "--help")
    for command in ("show", "get", "set", "unset", "path"):
        assert f"  {command} " in stdout
    assert "config" in ok("--help")[0]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _radar_completion radar"),
        ("zsh", "#compdef radar"),
        ("fish", "complete --command radar"),
    ],
)
def test_completion_scripts(shell: str, marker: str) -> None:
    stdout, _ = ok(env={"_RADAR_COMPLETE": f"source_{shell}"})
    assert marker in stdout


def test_show_completion_has_no_traceback() -> None:
    # Typer detects the shell from the parent processes; without one it says so.
    result = run_radar("--show-completion")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0 and "radar" in result.stdout or "not supported" in result.stderr


def test_completion_knows_the_config_commands_and_keys() -> None:
    def complete(words: str) -> list[str]:
        env = {
            "_RADAR_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        return ok(env=env)[0].split()

    assert complete("radar con") == ["config"]
    assert complete("radar config un") == ["unset"]
    assert complete("radar config get today") == ["today_limit"]
    assert "db" in complete("radar config get d")
    assert "db" not in complete("radar config set d")
