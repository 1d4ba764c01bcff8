#!/bin/sh
# Installs uv (https://docs.astral.sh/uv/) if it is missing, into ~/.local/bin, the ways
# uv's installation guide gives, first that works:
#   1. uv's standalone installer, fetched with curl or wget;
#   2. pipx install uv;
#   3. pip install --user uv, where that Python allows it (the system Python of Debian 12
#      and Ubuntu 24.04 does not: "externally-managed-environment", PEP 668);
#   4. pip install uv into a virtual environment of its own, ~/.local/share/uv-venv,
#      linked into ~/.local/bin (what pipx does, for machines without pipx).
# Never --break-system-packages. POSIX sh: dash, bash, zsh and macOS's sh run it.
# Usage: sh scripts/install-uv.sh && export PATH="$HOME/.local/bin:$PATH"
bin="$HOME/.local/bin"
PATH="$bin:$PATH"
# A pyenv shim or a stale link can answer `command -v` and still not run: ask uv itself.
if uv --version >/dev/null 2>&1; then
    exit 0
fi
say() { printf 'install-uv: %s\n' "$*" >&2; }
works() { [ -x "$bin/uv" ] && "$bin/uv" --version >/dev/null 2>&1; }
mkdir -p "$bin" || exit 1
python=$(command -v python3 || command -v python)

# 1. The standalone installer (it puts uv in $UV_INSTALL_DIR).
script=$(mktemp) || exit 1
trap 'rm -f "$script"' EXIT
url=https://astral.sh/uv/install.sh
if { command -v curl >/dev/null 2>&1 && curl -LsSf --connect-timeout 10 --max-time 120 "$url" -o "$script"; } ||
    { command -v wget >/dev/null 2>&1 && wget -q -T 30 -O "$script" "$url"; }; then
    say "installing uv with its standalone installer"
    UV_INSTALL_DIR="$bin" sh "$script" >&2 && works && exit 0
fi

# 2. pipx.
if command -v pipx >/dev/null 2>&1; then
    say "installing uv with pipx"
    PIPX_BIN_DIR="$bin" pipx install uv >&2 && works && exit 0
fi

if [ -z "$python" ]; then
    say "cannot install uv: no curl or wget reached astral.sh, and there is no pipx or python3"
    exit 1
fi

# 3. pip --user, unless the Python is externally managed (PEP 668) and not a virtualenv.
managed=$("$python" -c 'import os, sys, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
print(int(os.path.exists(marker) and sys.prefix == sys.base_prefix))' 2>/dev/null)
if [ "$managed" = 0 ] && "$python" -m pip --version >/dev/null 2>&1; then
    say "installing uv with pip install --user"
    if "$python" -m pip install --quiet --user uv >&2; then
        base=$("$python" -m site --user-base)
        # The user base is often ~/.local itself: then uv is in place already.
        [ "$base/bin/uv" -ef "$bin/uv" ] || ln -sf "$base/bin/uv" "$bin/uv"
        works && exit 0
    fi
fi

# 4. A virtual environment of its own.
venv="${XDG_DATA_HOME:-$HOME/.local/share}/uv-venv"
say "installing uv with pip into $venv"
if "$python" -m venv "$venv" >&2 && "$venv/bin/python" -m pip install --quiet uv >&2; then
    ln -sf "$venv/bin/uv" "$bin/uv" && works && exit 0
fi
say "cannot install uv: see https://docs.astral.sh/uv/getting-started/installation/ (on Debian and Ubuntu, apt install pipx or python3-venv, then run this again)"
exit 1
