"""Files radar writes whole (settings, schedule units, briefs, exports): never half-written."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from radar.errors import RadarError


def write_atomically(path: Path, pieces: Iterable[str], make_dirs: bool = True) -> None:
    """Write the pieces, as UTF-8 with their line ends as they are, through a temporary
    file beside `path` and a rename: a reader, or a crash, never sees half a file, and
    an error or Ctrl-C half-way leaves nothing behind.

    An existing file keeps its permissions; a new one gets the umask's (a temporary file
    is private, and briefs and exports are meant to be shared). A symlink stays a
    symlink: the file it points to is replaced. Missing directories are made unless
    `make_dirs` is false (a file the user named: a missing directory is a typo).
    """
    import tempfile

    target = Path(os.path.realpath(path.expanduser()))
    try:
        if make_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                for piece in pieces:
                    fh.write(piece.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(temp, mode)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RadarError(f"cannot write {target}: {exc.strerror}") from None


def _umask() -> int:
    # The only way to read it is to set it; radar writes files from one thread.
    umask = os.umask(0)
    os.umask(umask)
    return umask
