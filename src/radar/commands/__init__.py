"""Commands that live in their own modules, each registering itself on `radar.cli.app`.

`radar.cli` calls `register_all()` once the app exists. These modules load on every
`radar` start, so anything slow is imported inside the command functions.
"""

from __future__ import annotations

import importlib

MODULES: list[str] = ["reading", "config", "schedule", "search", "harvest", "export"]


def register_all() -> None:
    for name in MODULES:
        importlib.import_module(f"radar.commands.{name}")
