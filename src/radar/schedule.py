"""`radar schedule`: a crontab block and systemd user units that run radar unattended.

Plain functions that build text and edit a crontab's text; the command module runs
the `crontab` program and writes files. Nothing here prints.

Escaping, the part that is easy to get wrong:
- cron turns an unescaped `%` in a command into a newline, so every `%` in a crontab
  command is written `\\%` (cron removes the backslash before the shell sees it);
- systemd expands `%` specifiers and `$VARIABLES` in unit files, so a literal `%` is
  `%%` and a literal `$` is `$$`; a shell pipeline needs an explicit `/bin/sh -c`.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from radar.errors import RadarError, UsageError
from radar.files import write_atomically

BEGIN = "# radar: managed block, do not edit by hand"
END = "# radar: end"

FETCH_UNIT = "radar-fetch"
BRIEF_UNIT = "radar-brief"
UNIT_NAMES = (
    f"{FETCH_UNIT}.service",
    f"{FETCH_UNIT}.timer",
    f"{BRIEF_UNIT}.service",
    f"{BRIEF_UNIT}.timer",
)

# Settings that live in environment variables and that a job started by cron or
# systemd would not otherwise see. API keys are deliberately not among them.
CARRIED_ENV = ("RADAR_MODEL", "RADAR_LLM_API_BASE", "RADAR_CONTACT_EMAIL")

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SYSTEMD_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

BRIEF_OUTPUT = '"$HOME/radar/brief-$(date +%F).md"'  # for a shell; escaped per target below

_TIME_RE = re.compile(r"^(?:(?P<day>[A-Za-z]+)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


@dataclass(frozen=True)
class When:
    hour: int
    minute: int
    weekday: int | None = None  # 0 = Monday; None: Monday to Friday

    @property
    def cron(self) -> str:
        days = "1-5" if self.weekday is None else str((self.weekday + 1) % 7)
        return f"{self.minute} {self.hour} * * {days}"

    @property
    def calendar(self) -> str:
        days = "Mon..Fri" if self.weekday is None else SYSTEMD_DAYS[self.weekday]
        return f"{days} *-*-* {self.hour:02d}:{self.minute:02d}:00"

    @property
    def label(self) -> str:
        days = "weekdays" if self.weekday is None else DAYS[self.weekday].capitalize() + "s"
        return f"{days} at {self.hour:02d}:{self.minute:02d}"


def parse_when(value: str, option: str, weekly: bool, default_day: int = 0) -> When:
    """`06:30`, or for a weekly job also `Mon 07:00` / `friday 17:30`."""
    m = _TIME_RE.match(value.strip())
    hour = int(m.group("hour")) if m else -1
    minute = int(m.group("minute")) if m else -1
    if not m or not (0 <= hour < 24 and 0 <= minute < 60):
        example = "Mon 07:00" if weekly else "06:30"
        raise UsageError(f"{option} takes a time like {example}, got {value!r}")
    day_name = m.group("day")
    if day_name is None:
        return When(hour, minute, default_day if weekly else None)
    if not weekly:
        raise UsageError(f"{option} takes a time like 06:30 (the fetch runs on weekdays), got {value!r}")
    found = [i for i, day in enumerate(DAYS) if len(day_name) >= 3 and day.startswith(day_name.lower())]
    if not found:
        raise UsageError(f"{option}: unknown day {day_name!r} (use Mon, Tue, ... Sun)")
    return When(hour, minute, found[0])


def radar_program() -> str:
    """The absolute path of the installed `radar` console script: the one this process
    runs as (a `uv tool install` or `pipx install` link in ~/.local/bin), else the one
    beside this Python, else the one on PATH."""
    import shutil

    run_as = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    for candidate in (run_as, Path(sys.executable).parent / "radar"):
        if candidate is None or candidate.name != "radar" or candidate.parent == Path():
            continue  # "radar" alone was found on PATH: which one, shutil.which says below
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate.absolute())
    found = shutil.which("radar")
    if found:
        return str(Path(found).absolute())
    raise RadarError(
        "cannot find the installed radar program (not next to Python, not on PATH); "
        "install radar (e.g. uv tool install .) and run radar schedule again"
    )


@dataclass
class Plan:
    """What to run, when, and with which environment."""

    radar: str
    env: dict[str, str]
    fetch: When
    brief: When | None = None
    send: bool = False  # radar send after the fetch (the digest) and after the brief


def job_environment(home: Path, db_path: Path, radar: str) -> dict[str, str]:
    """RADAR_HOME (always), RADAR_DB when not the default, the carried settings, PATH."""
    env = {"RADAR_HOME": str(home.expanduser().absolute())}
    db = db_path.expanduser().absolute()
    if db != Path(env["RADAR_HOME"]) / "radar.db":
        env["RADAR_DB"] = str(db)
    for name in CARRIED_ENV:
        if os.environ.get(name):
            env[name] = os.environ[name]
    directories = [str(Path(radar).parent), "/usr/local/bin", "/usr/bin", "/bin"]
    env["PATH"] = ":".join(dict.fromkeys(directories))
    return env


# --- cron -----------------------------------------------------------------------------------


def cron_escape(command: str) -> str:
    return command.replace("%", "\\%")


def _assignments(env: dict[str, str]) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())


def fetch_command(plan: Plan) -> str:
    radar = shlex.quote(plan.radar)
    command = f"{radar} fetch --quiet"
    if plan.send:
        # Only after a fetch that worked; --unread: each paper goes to each destination once.
        command += f" && {radar} send --unread --quiet"
    return command


def brief_command(plan: Plan) -> str:
    radar = shlex.quote(plan.radar)
    if plan.send:
        # One name for the file, even if the brief runs past midnight.
        return f'f={BRIEF_OUTPUT} && {radar} brief --since 7d -o "$f" && {radar} send --brief "$f" --unread --quiet'
    return f"{radar} brief --since 7d -o {BRIEF_OUTPUT}"


def crontab_block(plan: Plan) -> str:
    """radar's block for a crontab, between its markers, every `%` escaped.

    The environment is set per command rather than with crontab `NAME=value` lines,
    which would also change every job below the block.
    """
    env = _assignments(plan.env)
    # A line of two commands (`fetch && send`) needs the environment exported: an
    # assignment in front of a command holds for that command only.
    prefix = f"export {env};" if plan.send else env
    lines = [
        BEGIN,
        "# written by `radar schedule --install cron`; `radar schedule --remove cron` takes it out",
        f"# fetch {plan.fetch.label}"
        + (", then send what is new (radar send --unread)" if plan.send else "")
        + "; quiet unless something fails, so cron mails only failures",
        f"{plan.fetch.cron} {cron_escape(f'{prefix} {fetch_command(plan)}')}",
    ]
    if plan.brief is not None:
        lines += [
            f"# last week's brief, {plan.brief.label}, into ~/radar/"
            + (", then sent" if plan.send else "")
            + " (API keys are not copied here)",
            f"{plan.brief.cron} {cron_escape(f'{prefix} {brief_command(plan)}')}",
        ]
    lines.append(END)
    return "\n".join(lines) + "\n"


def _block_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) line indexes of each radar block, the end marker included."""
    lines = text.splitlines(keepends=True)
    spans = []
    start: int | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped == BEGIN:
            if start is not None:
                raise RadarError(
                    f"the crontab has a radar block with no end marker ({END!r}); fix it with crontab -e"
                )
            start = index
        elif stripped == END and start is not None:
            spans.append((start, index + 1))
            start = None
    if start is not None:
        raise RadarError(
            f"the crontab has a radar block with no end marker ({END!r}); fix it with crontab -e"
        )
    return spans


def has_block(text: str) -> bool:
    return bool(_block_spans(text))


def remove_block(text: str) -> str:
    """The crontab without radar's block(s); every other byte as it was."""
    lines = text.splitlines(keepends=True)
    for start, end in reversed(_block_spans(text)):
        del lines[start:end]
    return "".join(lines)


def install_block(text: str, block: str) -> str:
    """The crontab with radar's block: replaced where it was, else appended at the end."""
    spans = _block_spans(text)
    lines = text.splitlines(keepends=True)
    if not spans:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + block
    first_start, first_end = spans[0]
    for start, end in reversed(spans[1:]):
        del lines[start:end]
    lines[first_start:first_end] = [block]
    return "".join(lines)


# --- systemd --------------------------------------------------------------------------------


def systemd_escape(value: str, dollar: bool = True) -> str:
    """A literal for a unit file: `%` specifiers (and, in Exec lines, `$` variables) disarmed."""
    value = value.replace("%", "%%")
    return value.replace("$", "$$") if dollar else value


def _systemd_word(value: str, dollar: bool = True) -> str:
    """One argument of an Exec or Environment line, quoted when it needs to be.

    `dollar`: escape `$` too (Exec lines expand variables; Environment= does not).
    """
    if value and not re.search(r"[\s\"'\\;]", value):
        return systemd_escape(value, dollar)
    if "'" not in value and "\\" not in value:
        return "'" + systemd_escape(value, dollar) + "'"
    return '"' + systemd_escape(value.replace("\\", "\\\\").replace('"', '\\"'), dollar) + '"'


def systemd_dir() -> Path:
    """`$XDG_CONFIG_HOME/systemd/user`, `~/.config/systemd/user` by default."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "systemd" / "user"


def _service(plan: Plan, description: str, exec_start: str) -> str:
    lines = [
        f"# {description}. Written by `radar schedule`; started by its .timer.",
        "[Unit]",
        f"Description={description}",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
    ]
    lines += [
        f"Environment={_systemd_word(f'{name}={value}', dollar=False)}" for name, value in plan.env.items()
    ]
    environment_file = Path(plan.env["RADAR_HOME"]) / "environment"
    lines += [
        "# Optional: API keys for the brief's model (OPENAI_API_KEY=...), one per line, never in this file.",
        # The rest of the line is the path, spaces included: no quotes.
        f"EnvironmentFile=-{systemd_escape(str(environment_file), dollar=False)}",
        f"ExecStart={exec_start}",
    ]
    return "\n".join(lines) + "\n"


def _timer(description: str, when: When) -> str:
    return (
        "\n".join(
            [
                f"# {description}. Written by `radar schedule`.",
                "[Unit]",
                f"Description={description}",
                "",
                "[Timer]",
                f"OnCalendar={when.calendar}",
                "# A run missed while the machine was off happens at the next boot.",
                "Persistent=true",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ]
        )
        + "\n"
    )


def systemd_units(plan: Plan) -> dict[str, str]:
    """File name -> contents of the user units: the fetch pair, and the brief pair if asked."""
    fetch_exec = (
        f"/bin/sh -c {_systemd_word(fetch_command(plan))}"
        if plan.send
        else f"{_systemd_word(plan.radar)} fetch --quiet"
    )
    units = {
        f"{FETCH_UNIT}.service": _service(
            plan,
            "radar: fetch new arXiv papers" + (", and send what is new" if plan.send else ""),
            fetch_exec,
        ),
        f"{FETCH_UNIT}.timer": _timer(f"radar fetch, {plan.fetch.label}", plan.fetch),
    }
    if plan.brief is not None:
        script = brief_command(plan) if plan.send else "exec " + brief_command(plan)
        units[f"{BRIEF_UNIT}.service"] = _service(
            plan, "radar: write last week's brief", f"/bin/sh -c {_systemd_word(script)}"
        )
        units[f"{BRIEF_UNIT}.timer"] = _timer(f"radar brief, {plan.brief.label}", plan.brief)
    return units


def enable_command(units: dict[str, str]) -> str:
    timers = " ".join(name for name in units if name.endswith(".timer"))
    return f"systemctl --user daemon-reload && systemctl --user enable --now {timers}"


def disable_command(names: list[str]) -> str:
    timers = " ".join(name for name in names if name.endswith(".timer"))
    return f"systemctl --user stop {timers}; systemctl --user daemon-reload"


@dataclass
class FileChange:
    path: Path
    action: str  # written / unchanged / removed


def write_units(directory: Path, units: dict[str, str]) -> list[FileChange]:
    """Write the unit files (atomically, each); unchanged ones are left alone."""
    changes = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            path = directory / name
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                changes.append(FileChange(path, "unchanged"))
                continue
            write_atomically(path, [text])
            changes.append(FileChange(path, "written"))
    except OSError as exc:
        raise RadarError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    return changes


def remove_units(directory: Path) -> list[FileChange]:
    """Delete radar's unit files, and the enable links that point at them."""
    changes = []
    try:
        for name in UNIT_NAMES:
            path = directory / name
            link = directory / "timers.target.wants" / name
            if link.is_symlink() and Path(os.readlink(link)).name == name:
                link.unlink()
            if path.exists() or path.is_symlink():
                path.unlink()
                changes.append(FileChange(path, "removed"))
    except OSError as exc:
        raise RadarError(f"cannot remove {exc.filename or directory}: {exc.strerror}") from None
    return changes


# --- the crontab program ----------------------------------------------------------------------


def _crontab(args: list[str], stdin: bytes | None = None) -> tuple[int, bytes, str]:
    import shutil
    import subprocess

    program = shutil.which("crontab")
    if program is None:
        raise RadarError(
            "the crontab program is not installed (install cron, or use radar schedule --install systemd)"
        )
    try:
        done = subprocess.run([program, *args], input=stdin, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RadarError(f"cannot run crontab: {exc}") from None
    message = " ".join(done.stderr.decode("utf-8", "replace").split())
    return done.returncode, done.stdout, message


def read_crontab() -> str:
    """The user's crontab as text ("" when there is none); bytes kept as they were."""
    code, output, message = _crontab(["-l"])
    if code != 0:
        if "no crontab for" in message.lower():
            return ""
        raise RadarError(f"crontab -l failed: {message or f'exit code {code}'}")
    return output.decode("utf-8", "surrogateescape")


def write_crontab(text: str) -> None:
    code, _, message = _crontab(["-"], text.encode("utf-8", "surrogateescape"))
    if code != 0:
        raise RadarError(f"crontab refused the new crontab: {message or f'exit code {code}'}")
