"""The invite key file (bot/invite_key.py): created 0600 beside the database on first use,
the same key on every later start, refused when others may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.invite_key import _create, load_invite_key


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_once_with_mode_0600_then_read_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "aidbridge.db.invite-key"
    key = load_invite_key(path)
    assert mode_of(path) == 0o600
    text = path.read_text()
    assert len(bytes.fromhex(text.strip())) == 32 and text.endswith("\n")
    assert load_invite_key(path) == key
    # A second process racing to create it keeps the first one's key.
    _create(path)
    assert load_invite_key(path) == key
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no leftovers


def test_the_default_sits_beside_the_database_and_is_configurable(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "live.db", _env_file=None)
    assert settings.invite_key_file == tmp_path / "live.db.invite-key"
    elsewhere = tmp_path / "secrets" / "invite.key"
    settings = Settings(
        db_path=tmp_path / "live.db",
        invite_key_path=elsewhere,
        _env_file=None,
    )
    assert settings.invite_key_file == elsewhere


def test_a_key_others_may_read_or_a_damaged_one_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "k"
    load_invite_key(path)
    secret = path.read_text().strip()
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match=r"AIDBRIDGE_INVITE_KEY_PATH: .* chmod 600") as info:
        load_invite_key(path)
    assert secret not in str(info.value)
    for content in ("not hex at all\n", "abcd\n"):
        path.write_text(content)
        os.chmod(path, 0o600)
        with pytest.raises(ConfigError, match="AIDBRIDGE_INVITE_KEY_PATH"):
            load_invite_key(path)


def test_an_unreadable_key_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with pytest.raises(ConfigError, match="AIDBRIDGE_INVITE_KEY_PATH: cannot use"):
        load_invite_key(folder)  # a directory where the file should be
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe")
    os.chmod(binary, 0o600)
    with pytest.raises(ConfigError, match="does not hold a hex key"):
        load_invite_key(binary)
