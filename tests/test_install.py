"""The first five minutes, as far as this machine allows: the README's quick-start line in
a clean environment (`env -i`, an empty HOME, a PATH without uv), and `uv tool install .`
/ `pipx install .` putting `radar` on PATH with only its runtime dependencies.

Nothing here reaches the network. uv's standalone installer is played by a stand-in that
curl "downloads", PyPI by a loopback index serving a stand-in uv wheel (a launcher of the
real uv binary), and `uv run` / `uv tool install` read packages from uv's cache offline.
What cannot be arranged is skipped, with the reason."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SYSTEM_PATH = "/usr/bin:/bin"


def quick_start_line() -> str:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)[0]


def real_uv() -> Path:
    """The uv binary itself: $UV (set by `uv run`), else the one on PATH, when it is a
    program and not a shell shim that needs its own environment."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.skip("no uv binary on this machine to stand in for the downloaded one")
    path = Path(found).resolve()
    if path.read_bytes()[:2] == b"#!":
        pytest.skip(f"{path} is a script (a shim), not the uv binary")
    return path


def uv_cache() -> str:
    uv = real_uv()
    cache = subprocess.run([str(uv), "cache", "dir"], capture_output=True, text=True).stdout.strip()
    if not cache or not Path(cache).is_dir():
        pytest.skip("uv has no cache here: an offline install has nothing to install from")
    return cache


def system_python() -> str:
    for name in ("python3.13", "python3.12", "python3.11", "python3"):
        found = shutil.which(name, path=SYSTEM_PATH)
        if found:
            version = subprocess.run(
                [found, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                capture_output=True,
                text=True,
            )
            if version.stdout.strip() == "True":
                return found
    pytest.skip(f"no Python 3.11+ on {SYSTEM_PATH}: uv would download one, and there is no network")


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A copy of the clone as a new user has it: no .venv, no caches."""
    if shutil.which("uv", path=SYSTEM_PATH):
        pytest.skip(f"uv is installed in {SYSTEM_PATH}: a PATH without uv cannot be had here")
    if not shutil.which("sh", path=SYSTEM_PATH):
        pytest.skip(f"no sh in {SYSTEM_PATH}")
    ignore = shutil.ignore_patterns(".git", ".venv", "*cache*", "__pycache__", "dist", "build")
    return Path(shutil.copytree(ROOT, tmp_path / "radar", ignore=ignore))


def stub(folder: Path, name: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    program = folder / name
    program.write_text("#!/bin/sh\n" + body)
    program.chmod(0o755)


def clean_env(home: Path, path: str, **extra: str) -> dict[str, str]:
    """What `env -i HOME=... PATH=...` leaves, and uv pointed at its cache, offline."""
    return {"HOME": str(home), "PATH": path, "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never", **extra}


def test_the_quick_start_line_with_uvs_standalone_installer(clone: Path, tmp_path: Path) -> None:
    uv, cache, python = real_uv(), uv_cache(), system_python()
    home, fake = tmp_path / "home", tmp_path / "fake"
    home.mkdir()
    # "curl -LsSf https://astral.sh/uv/install.sh -o FILE" gets an installer that puts uv
    # (a launcher of the real binary) in $UV_INSTALL_DIR, as the real installer does.
    installer = tmp_path / "install.sh"
    installer.write_text(
        'mkdir -p "$UV_INSTALL_DIR"\n'
        f'printf \'#!/bin/sh\\nexec %s "$@"\\n\' "{uv}" > "$UV_INSTALL_DIR/uv"\n'
        'chmod +x "$UV_INSTALL_DIR/uv"\n'
        "echo standalone-installer-ran\n"
    )
    stub(
        fake,
        "curl",
        'url=; out=; prev=\nfor a in "$@"; do [ "$prev" = -o ] && out=$a; case $a in https://*) url=$a;; esac; prev=$a; done\n'
        f'[ "$url" = https://astral.sh/uv/install.sh ] || exit 6\ncp "{installer}" "$out"\n',
    )
    # Should the script fall through to pip, pip finds no index: nothing reaches PyPI.
    env = clean_env(
        home,
        f"{fake}:{SYSTEM_PATH}",
        UV_CACHE_DIR=cache,
        UV_PYTHON=python,
        PIP_INDEX_URL="http://127.0.0.1:9/simple/",
    )
    result = subprocess.run(
        ["/usr/bin/env", "-i", *(f"{k}={v}" for k, v in env.items()), "sh", "-c", quick_start_line()],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "standalone-installer-ran" in result.stderr
    assert "radar · " in result.stdout and "matching your follows" in result.stdout
    assert (home / ".local" / "bin" / "uv").is_file()


@pytest.fixture
def package_index(httpserver: HTTPServer, tmp_path: Path) -> Iterator[str]:
    """A loopback package index holding one `uv` wheel: a launcher of the real uv binary."""
    uv = real_uv()
    wheel = tmp_path / "uv-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(
            "uv_launcher.py",
            f"import os, sys\n\ndef main():\n    os.execv({str(uv)!r}, ['uv', *sys.argv[1:]])\n",
        )
        info = "uv-0.0.1.dist-info"
        z.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: uv\nVersion: 0.0.1\n")
        z.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: radar-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        z.writestr(f"{info}/entry_points.txt", "[console_scripts]\nuv = uv_launcher:main\n")
        z.writestr(f"{info}/RECORD", "")
    data = wheel.read_bytes()
    httpserver.expect_request("/simple/uv/").respond_with_data(
        f'<html><body><a href="/files/{wheel.name}">{wheel.name}</a></body></html>', content_type="text/html"
    )
    httpserver.expect_request(f"/files/{wheel.name}").respond_with_handler(
        lambda request: Response(data, content_type="application/octet-stream")
    )
    yield httpserver.url_for("/simple/")


def test_without_curl_or_pipx_uv_comes_from_pip_never_breaking_system_packages(
    clone: Path, tmp_path: Path, package_index: str
) -> None:
    python = system_python()
    home, fake = tmp_path / "home", tmp_path / "fake"
    home.mkdir()
    for name in ("curl", "wget", "pipx"):
        stub(fake, name, "exit 6\n")  # offline, as on a machine with no route to astral.sh
    stub(fake, "python3", f'exec {python} "$@"\n')
    env = clean_env(
        home, f"{fake}:{SYSTEM_PATH}", PIP_INDEX_URL=package_index, PIP_DISABLE_PIP_VERSION_CHECK="1"
    )
    result = subprocess.run(
        [
            "/usr/bin/env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            "sh",
            "-c",
            'sh scripts/install-uv.sh && export PATH="$HOME/.local/bin:$PATH" && uv --version',
        ],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if "No module named venv" in result.stderr or "ensurepip is not available" in result.stderr:
        pytest.skip(f"{python} has no venv module (Debian's python3-venv): the script's last way cannot run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("uv ")
    managed = (
        subprocess.run(
            [
                python,
                "-c",
                "import os, sysconfig; print(os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        == "True"
    )
    # A PEP 668 Python (stock Debian 12, Ubuntu 24.04) is never asked to install into itself.
    way = "installing uv with pip into" if managed else "installing uv with pip install --user"
    assert way in result.stderr
    assert "externally-managed-environment" not in result.stderr
    script = (ROOT / "scripts" / "install-uv.sh").read_text().splitlines()
    assert not any("--break-system-packages" in line for line in script if not line.startswith("#"))


def test_uv_tool_install_puts_radar_on_path_with_runtime_dependencies_only(
    clone: Path, tmp_path: Path
) -> None:
    uv, cache = real_uv(), uv_cache()
    tools, bin_dir, home = tmp_path / "tools", tmp_path / "bin", tmp_path / "home"
    env = {
        **clean_env(home, f"{bin_dir}:{SYSTEM_PATH}", UV_CACHE_DIR=cache),
        "UV_TOOL_DIR": str(tools),
        "UV_TOOL_BIN_DIR": str(bin_dir),
        "RADAR_HOME": str(tmp_path / "radar-home"),
    }
    install = subprocess.run(
        [str(uv), "tool", "install", "--python", sys.executable, "."],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0 and "network was disabled" in install.stderr:
        # `uv tool install` resolves afresh (the lock file is the project's, not the
        # tool's), and offline that needs the index pages in uv's cache.
        pytest.skip("uv tool install resolves from the package index, and these tests have no network")
    assert install.returncode == 0, install.stderr[-3000:]
    radar = bin_dir / "radar"
    version = subprocess.run(["radar", "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("radar "), version.stderr
    installed = {
        p.name.split("-")[0].lower() for p in tools.glob("radar/lib/python*/site-packages/*.dist-info")
    }
    assert {"radar", "typer", "litellm"} <= installed
    assert not installed & {"pytest", "ruff", "mypy"}  # the development tools stay out
    schedule = subprocess.run(["radar", "schedule"], env=env, capture_output=True, text=True, timeout=60)
    assert schedule.returncode == 0, schedule.stderr
    assert f"{radar} fetch --quiet" in schedule.stdout  # cron gets the absolute path


def test_the_locked_runtime_install_has_radar_and_no_development_tools(clone: Path, tmp_path: Path) -> None:
    """What `uv tool install .` makes, from the lock file and offline: radar's runtime
    dependencies in an environment of their own, radar not editable, its console script
    run by its absolute path."""
    uv, cache = real_uv(), uv_cache()
    environment, home = tmp_path / "env", tmp_path / "home"
    env = {
        **clean_env(home, SYSTEM_PATH, UV_CACHE_DIR=cache),
        "UV_PROJECT_ENVIRONMENT": str(environment),
        "RADAR_HOME": str(tmp_path / "radar-home"),
    }
    install = subprocess.run(
        [str(uv), "sync", "--frozen", "--no-dev", "--no-editable", "--python", sys.executable],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0 and "network was disabled" in install.stderr:
        pytest.skip("uv's cache lacks a locked package, and these tests have no network")
    assert install.returncode == 0, install.stderr[-3000:]
    radar = environment / "bin" / "radar"
    installed = {
        p.name.split("-")[0].lower() for p in environment.glob("lib/python*/site-packages/*.dist-info")
    }
    assert {"radar", "typer", "litellm"} <= installed
    assert not installed & {"pytest", "ruff", "mypy"}
    # Not editable: the clone can move or go, and radar still runs.
    shutil.rmtree(clone / "src")
    schedule = subprocess.run([str(radar), "schedule"], env=env, capture_output=True, text=True, timeout=60)
    assert schedule.returncode == 0, schedule.stderr
    assert f"{radar} fetch --quiet" in schedule.stdout


def test_pipx_install_puts_radar_on_path(clone: Path, tmp_path: Path) -> None:
    pipx = shutil.which("pipx")
    if pipx is None:
        pytest.skip("pipx is not installed on this machine")
    bin_dir = tmp_path / "bin"
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(bin_dir),
        "PIP_NO_INDEX": "1",
    }
    install = subprocess.run(
        [pipx, "install", "."], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    if install.returncode != 0:
        pytest.skip(f"pipx cannot install offline here: {install.stderr.strip()[-300:]}")
    version = subprocess.run(
        [str(bin_dir / "radar"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and version.stdout.startswith("radar ")
