"""radar schedule: the crontab block and systemd units it prints, installs and removes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import radar_executable, run_radar

from radar import schedule as core
from radar.errors import RadarError

FAKE_CRONTAB = """#!/bin/sh
# A stand-in for crontab(1): the crontab lives in $FAKE_CRONTAB_FILE.
if [ -n "$FAKE_CRONTAB_FAIL" ]; then echo "crontab: $FAKE_CRONTAB_FAIL" >&2; exit 1; fi
case "$1" in
  -l)
    if [ -f "$FAKE_CRONTAB_FILE" ]; then cat "$FAKE_CRONTAB_FILE"; exit 0; fi
    echo "no crontab for $(id -un)" >&2
    exit 1 ;;
  -) cat > "$FAKE_CRONTAB_FILE" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 1 ;;
esac
"""

USER_CRONTAB = "MAILTO=me@example.org\n# my backups\n15 2 * * *  /usr/local/bin/backup --all  # 50%\n"


@pytest.fixture
def crontab(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """(environment with a fake crontab first on PATH, the file that holds the crontab)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "crontab"
    program.write_text(FAKE_CRONTAB)
    program.chmod(0o755)
    store = tmp_path / "crontab.txt"
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_CRONTAB_FILE": str(store)}
    return env, store


def cron_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def crontab_part(stdout: str) -> str:
    return stdout.split("# systemd user units", 1)[0]


def test_schedule_prints_a_crontab_line_with_the_absolute_radar(radar_home: Path) -> None:
    result = run_radar("schedule")
    assert result.returncode == 0, result.stderr
    lines = cron_lines(crontab_part(result.stdout))
    assert len(lines) == 1
    fetch = lines[0]
    assert fetch.startswith("30 6 * * 1-5 ")
    assert fetch.endswith(f"{radar_executable()} fetch --quiet")
    assert Path(radar_executable()).is_absolute()
    assert f"RADAR_HOME={radar_home}" in fetch
    assert f"PATH={Path(radar_executable()).parent}:" in fetch
    assert "RADAR_DB" not in fetch  # the default database needs no variable
    assert core.BEGIN in result.stdout and core.END in result.stdout
    # and the systemd units, for the same radar
    assert "OnCalendar=Mon..Fri *-*-* 06:30:00" in result.stdout
    assert f"ExecStart={radar_executable()} fetch --quiet" in result.stdout
    assert "radar-brief" not in result.stdout
    assert (
        "systemctl --user daemon-reload && systemctl --user enable --now radar-fetch.timer" in result.stdout
    )


def test_the_brief_line_escapes_percent_for_cron_and_for_systemd(tmp_path: Path) -> None:
    result = run_radar("schedule", "--brief", "--at", "07:15", "--brief-at", "Fri 17:30")
    assert result.returncode == 0, result.stderr
    fetch, brief = cron_lines(crontab_part(result.stdout))
    assert fetch.startswith("15 7 * * 1-5 ")
    assert brief.startswith("30 17 * * 5 ")
    assert f"{radar_executable()} brief --since 7d -o " in brief
    assert "date +\\%F" in brief
    assert re.search(r"(?<!\\)%", brief) is None, "an unescaped % would end cron's command"
    # The command cron hands to the shell (cron drops the backslash) writes where it says.
    command = brief.split(" ", 5)[5].replace("\\%", "%").replace(radar_executable(), "echo")
    shown = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)
    assert re.fullmatch(r"brief --since 7d -o .+/radar/brief-\d{4}-\d{2}-\d{2}\.md\n", shown.stdout)
    # systemd: %% for a literal %, $$ for a literal $, the pipeline in /bin/sh -c
    assert "OnCalendar=Fri *-*-* 17:30:00" in result.stdout
    exec_start = next(
        line for line in result.stdout.splitlines() if "brief --since" in line and "Exec" in line
    )
    assert exec_start.startswith("ExecStart=/bin/sh -c '")
    assert "date +%%F" in exec_start and "$$HOME" in exec_start
    assert "Warning: no model is configured" in result.stderr


def test_the_environment_radar_needs_is_carried(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere" / "my radar.db"
    env = {
        "RADAR_DB": str(db),
        "RADAR_MODEL": "openai/gpt-4o-mini",
        "RADAR_LLM_API_BASE": "http://localhost:8000/v1",
        "OPENAI_API_KEY": "sk-secret",
    }
    result = run_radar("schedule", "--brief", env=env)
    assert result.returncode == 0, result.stderr
    assert f"RADAR_DB='{db}'" in result.stdout  # quoted for the shell
    assert f"Environment='RADAR_DB={db}'" in result.stdout  # and for systemd
    assert "RADAR_MODEL=openai/gpt-4o-mini" in result.stdout
    assert "RADAR_LLM_API_BASE=http://localhost:8000/v1" in result.stdout
    assert "sk-secret" not in result.stdout  # keys are never written out
    assert "Warning" not in result.stderr


@pytest.mark.parametrize("option", [["--at", "25:00"], ["--at", "6.30"], ["--at", "Mon 06:30"]])
def test_a_bad_time_is_a_usage_error(option: list[str]) -> None:
    result = run_radar("schedule", *option)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --at takes a time like 06:30")


def test_a_bad_brief_day_is_a_usage_error() -> None:
    result = run_radar("schedule", "--brief", "--brief-at", "Someday 07:00")
    assert result.returncode == 2
    assert "unknown day 'Someday'" in result.stderr


# --- the crontab ------------------------------------------------------------------------------


def test_install_twice_keeps_one_block_and_remove_restores_the_crontab(
    crontab: tuple[dict[str, str], Path],
) -> None:
    env, store = crontab
    store.write_bytes(USER_CRONTAB.encode())
    first = run_radar("schedule", "--install", "cron", env=env)
    assert first.returncode == 0, first.stderr
    assert "Added radar's block" in first.stderr
    installed = store.read_text()
    assert installed.startswith(USER_CRONTAB)
    assert installed.count(core.BEGIN) == 1 and installed.count(core.END) == 1
    assert f"{radar_executable()} fetch --quiet" in installed

    second = run_radar("schedule", "--install", "cron", env=env)
    assert second.returncode == 0
    assert "already in your crontab, unchanged" in second.stderr
    assert store.read_text() == installed

    # Installing with --brief updates the block in place, still one block.
    third = run_radar("schedule", "--install", "cron", "--brief", env=env)
    assert "Updated radar's block" in third.stderr
    updated = store.read_text()
    assert updated.count(core.BEGIN) == 1 and "brief --since 7d" in updated
    assert len(cron_lines(updated)) == 4  # MAILTO, backup, fetch, brief

    removed = run_radar("schedule", "--remove", "cron", env=env)
    assert removed.returncode == 0, removed.stderr
    assert store.read_bytes() == USER_CRONTAB.encode()
    again = run_radar("schedule", "--remove", "cron", env=env)
    assert again.returncode == 0 and "nothing to remove" in again.stderr
    assert store.read_bytes() == USER_CRONTAB.encode()


def test_install_with_no_crontab_yet(crontab: tuple[dict[str, str], Path]) -> None:
    env, store = crontab
    assert not store.exists()  # `crontab -l` says "no crontab for ..." and exits 1
    result = run_radar("schedule", "--install", "cron", env=env)
    assert result.returncode == 0, result.stderr
    text = store.read_text()
    assert text.startswith(core.BEGIN) and text.endswith(core.END + "\n")
    assert run_radar("schedule", "--remove", "cron", env=env).returncode == 0
    assert store.read_text() == ""


def test_block_in_the_middle_is_replaced_where_it_is(crontab: tuple[dict[str, str], Path]) -> None:
    env, store = crontab
    old_block = f"{core.BEGIN}\n0 0 * * * /old/radar fetch --quiet\n{core.END}\n"
    store.write_text("# before\n" + old_block + "# after\n")
    assert run_radar("schedule", "--install", "cron", env=env).returncode == 0
    text = store.read_text()
    assert text.startswith("# before\n" + core.BEGIN) and text.endswith(core.END + "\n# after\n")
    assert "/old/radar" not in text


def test_missing_crontab_program_is_one_error_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = run_radar("schedule", "--install", "cron", env={"PATH": str(empty)})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the crontab program is not installed")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_crontab_that_fails_otherwise_is_reported(crontab: tuple[dict[str, str], Path]) -> None:
    env, store = crontab
    store.write_text(USER_CRONTAB)
    failing = {**env, "FAKE_CRONTAB_FAIL": "cannot open /var/spool/cron: Permission denied"}
    result = run_radar("schedule", "--install", "cron", env=failing)
    assert result.returncode == 1
    assert (
        result.stderr == "Error: crontab -l failed: crontab: cannot open /var/spool/cron: Permission denied\n"
    )
    assert store.read_text() == USER_CRONTAB


def test_crontab_text_editing() -> None:
    block = f"{core.BEGIN}\nX\n{core.END}\n"
    assert core.install_block("", block) == block
    assert core.install_block("a\nb", block) == "a\nb\n" + block  # a missing final newline added
    assert core.install_block("a\n" + block + "b\n", block) == "a\n" + block + "b\n"
    twice = "a\n" + block + "b\n" + block
    assert core.install_block(twice, block) == "a\n" + block + "b\n"
    assert core.remove_block(twice) == "a\nb\n"
    assert core.remove_block("a\nb\n") == "a\nb\n"
    with pytest.raises(RadarError, match="no end marker"):
        core.remove_block(f"a\n{core.BEGIN}\nX\n")


def test_crontab_block_escapes_every_percent() -> None:
    plan = core.Plan(
        radar="/opt/my radar/bin/radar",
        env={"RADAR_HOME": "/data/100%/radar", "PATH": "/opt/my radar/bin:/usr/bin:/bin"},
        fetch=core.When(6, 30),
        brief=core.When(7, 0, 0),
    )
    block = core.crontab_block(plan)
    for line in cron_lines(block):
        assert re.search(r"(?<!\\)%", line) is None
    assert "RADAR_HOME=/data/100\\%/radar " in block
    assert "'/opt/my radar/bin/radar' fetch --quiet" in block


# --- systemd ----------------------------------------------------------------------------------


def test_systemd_install_and_remove(tmp_path: Path) -> None:
    config = tmp_path / "config"
    env = {"XDG_CONFIG_HOME": str(config), "RADAR_MODEL": "openai/gpt-4o-mini"}
    units = config / "systemd" / "user"
    result = run_radar("schedule", "--install", "systemd", "--brief", env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in units.iterdir()) == [
        "radar-brief.service",
        "radar-brief.timer",
        "radar-fetch.service",
        "radar-fetch.timer",
    ]
    assert result.stdout == (
        "systemctl --user daemon-reload && systemctl --user enable --now radar-fetch.timer radar-brief.timer\n"
    )
    service = (units / "radar-fetch.service").read_text()
    assert f"ExecStart={radar_executable()} fetch --quiet" in service
    assert "Type=oneshot" in service and "Environment=RADAR_MODEL=openai/gpt-4o-mini" in service
    assert "OnCalendar=Mon *-*-* 07:00:00" in (units / "radar-brief.timer").read_text()
    assert "Persistent=true" in (units / "radar-fetch.timer").read_text()

    again = run_radar("schedule", "--install", "systemd", "--brief", env=env)
    assert again.stderr.count("Unchanged:") == 4

    # An enable link (as systemctl enable makes) goes with the units; other files stay.
    wants = units / "timers.target.wants"
    wants.mkdir()
    (wants / "radar-fetch.timer").symlink_to(units / "radar-fetch.timer")
    (units / "other.service").write_text("[Service]\nExecStart=/bin/true\n")
    removed = run_radar("schedule", "--remove", "systemd", env=env)
    assert removed.returncode == 0, removed.stderr
    assert sorted(p.name for p in units.iterdir()) == ["other.service", "timers.target.wants"]
    assert not list(wants.iterdir())
    assert "systemctl --user stop radar-fetch.timer radar-brief.timer" in removed.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units_and_the_examples(tmp_path: Path) -> None:
    config = tmp_path / "config"
    env = {"XDG_CONFIG_HOME": str(config), "RADAR_HOME": str(tmp_path / "a home with 100% spaces")}
    assert run_radar("schedule", "--install", "systemd", "--brief", env=env).returncode == 0
    examples = Path(__file__).resolve().parent.parent / "examples" / "systemd"
    for directory in (config / "systemd" / "user", examples):
        files = sorted(str(p) for p in directory.iterdir() if p.suffix in (".service", ".timer"))
        assert len(files) == 4
        checked = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True, timeout=60
        )
        problems = [line for line in checked.stderr.splitlines() if "radar-" in line]
        assert not problems, checked.stderr


def test_examples_ship_the_crontab_and_units() -> None:
    root = Path(__file__).resolve().parent.parent / "examples"
    crontab = (root / "crontab").read_text()
    lines = cron_lines(crontab)
    assert len(lines) == 2
    assert lines[0].startswith("30 6 * * 1-5") and lines[0].endswith("radar fetch --quiet")
    assert "date +\\%F" in lines[1] and re.search(r"(?<!\\)%", lines[1]) is None
    brief = (root / "systemd" / "radar-brief.service").read_text()
    assert "date +%%F" in brief
