"""radar.files.write_atomically: settings, schedule units, briefs and exports are never half-written."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from radar.errors import RadarError
from radar.files import write_atomically


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_is_shared_as_the_umask_says(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "out" / "brief.md"
    write_atomically(target, ["# Brief\r\n", "ünïcode\n"])
    assert target.read_bytes() == "# Brief\r\nünïcode\n".encode()
    assert mode(target) == 0o644


def test_an_existing_file_keeps_its_permissions(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "config.toml"
    target.write_text("old")
    target.chmod(0o600)
    write_atomically(target, ["new"])
    assert target.read_text() == "new" and mode(target) == 0o600


def test_a_failure_half_way_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "export.bib"
    target.write_text("whole old export")

    def pieces() -> Iterator[str]:
        yield "half of a new "
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, pieces())
    assert target.read_text() == "whole old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.bib"]


def test_a_symlink_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    write_atomically(link, ["new"])
    assert link.is_symlink() and real.read_text() == "new"


def test_an_unwritable_place_is_one_radar_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RadarError, match=r"^cannot write .*a-file/out\.md: "):
        write_atomically(blocker / "out.md", ["x"])
