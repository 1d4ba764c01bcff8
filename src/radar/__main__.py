"""`radar` (the console script) and `python -m radar`.

Kept light on purpose: a parsing worker is started fresh (spawn) and imports the main
module again before its first job, and needs none of the command line (Typer, Rich, every
command) that radar.cli loads. And a Ctrl-C while that loads is an interruption like any
other, not a traceback.
"""

import sys


def main() -> None:
    try:
        from radar.cli import main as run

        run()
    except KeyboardInterrupt:
        # Before radar.cli took over Ctrl-C (radar.interrupts): nothing had begun.
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


# Guarded: a parsing worker imports this module again and must not run radar.
if __name__ == "__main__":
    main()
