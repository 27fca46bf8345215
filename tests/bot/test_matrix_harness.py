"""The Synapse harness itself, on a real homeserver: users, DMs, messages, media, restart.

Timings are printed (run with -s) rather than asserted tightly: a 2-core CI box varies.
"""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import struct
import sys
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nio
import pytest
import pytest_asyncio

from tests.matrix_harness import (
    Homeserver,
    MatrixHarnessError,
    RegisteredUser,
    create_dm,
    join,
    next_messages,
    send_content,
    send_text,
    unique_localpart,
    wait_for_invite,
)

pytestmark = pytest.mark.slow


@dataclass
class Pair:
    """Two users joined to one DM, A the creator."""

    a_user: RegisteredUser
    b_user: RegisteredUser
    a: nio.AsyncClient
    b: nio.AsyncClient
    room_id: str


async def _make_pair(hs: Homeserver) -> Pair:
    a_user = await hs.register(unique_localpart("a"))
    b_user = await hs.register(unique_localpart("b"))
    a, b = hs.client(a_user), hs.client(b_user)
    room_id = await create_dm(a, b_user.user_id)
    await join(b, await wait_for_invite(b))
    return Pair(a_user, b_user, a, b, room_id)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pair(homeserver: Homeserver) -> AsyncIterator[Pair]:
    p = await _make_pair(homeserver)
    yield p
    for client in (p.a, p.b):
        await client.close()


def _tiny_png() -> bytes:
    """A valid 1x1 red PNG, built here so the test ships no binary file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte 0, then one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def test_homeserver_answers(homeserver: Homeserver) -> None:
    print(f"\nSynapse start-up: {homeserver.last_start_seconds:.2f} s at {homeserver.url}")
    assert homeserver.running
    assert homeserver.server_name == "aidbridge.test"
    user = await homeserver.register(unique_localpart("who"))
    assert user.user_id.endswith(":aidbridge.test")
    resp = await homeserver.client(user).whoami()
    assert isinstance(resp, nio.WhoamiResponse), resp
    assert resp.user_id == user.user_id


# Synapse reads every rc_* key with dict.get, so a renamed key would silently bring back the
# strict default. Ask Synapse itself what it parsed, and flag any limiter we did not relax
# (a new one in a newer Synapse shows up here too).
_DUMP_LIMITS = """
import json, sys
from synapse.config.homeserver import HomeServerConfig
from synapse.config.ratelimiting import RatelimitSettings
config = HomeServerConfig.load_config("check", ["--config-path", sys.argv[1]])
print(json.dumps({
    name: [value.per_second, value.burst_count]
    for name, value in vars(config.ratelimiting).items()
    if isinstance(value, RatelimitSettings)
}))
"""


async def test_rate_limits_are_relaxed_in_synapses_parsed_config(
    homeserver: Homeserver,
) -> None:
    proc = await asyncio.create_subprocess_exec(
        str(homeserver.python),
        "-c",
        _DUMP_LIMITS,
        str(homeserver.config_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    limits: dict[str, list[float]] = json.loads(out)
    # Federation media download limits are in bytes per second and unused without federation.
    limits.pop("remote_media_downloads", None)
    strict = {name: v for name, v in limits.items() if v[0] < 10000 or v[1] < 100000}
    assert not strict, f"rate limits still strict: {strict}"
    assert "rc_message" in limits
    print(f"\nrelaxed limiters: {sorted(limits)}")


async def test_dm_creation_and_join(homeserver: Homeserver) -> None:
    a_user = await homeserver.register(unique_localpart("a"))
    b_user = await homeserver.register(unique_localpart("b"))
    a, b = homeserver.client(a_user), homeserver.client(b_user)

    began = time.monotonic()
    room_id = await create_dm(a, b_user.user_id)
    assert await wait_for_invite(b) == room_id
    # is_direct travels on B's invite membership event; clients file the room as a DM by it.
    invite = await a.room_get_state_event(room_id, "m.room.member", b_user.user_id)
    assert isinstance(invite, nio.RoomGetStateEventResponse), invite
    assert invite.content["membership"] == "invite"
    assert invite.content["is_direct"] is True
    await join(b, room_id)
    print(f"\nDM create + invite + join: {(time.monotonic() - began) * 1000:.0f} ms")

    members = await a.joined_members(room_id)
    assert isinstance(members, nio.JoinedMembersResponse), members
    assert {m.user_id for m in members.members} == {a_user.user_id, b_user.user_id}


async def test_formatted_message_arrives(pair: Pair) -> None:
    await send_text(pair.a, pair.room_id, "Need 20 tourniquets", "Need <b>20</b> tourniquets")
    [content] = await next_messages(pair.b, pair.room_id, sender=pair.a_user.user_id)
    assert content["msgtype"] == "m.text"
    assert content["body"] == "Need 20 tourniquets"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == "Need <b>20</b> tourniquets"


async def test_notice_msgtype_is_preserved(pair: Pair) -> None:
    await send_text(pair.a, pair.room_id, "Request #7 accepted", msgtype="m.notice")
    [content] = await next_messages(pair.b, pair.room_id, sender=pair.a_user.user_id)
    assert content["msgtype"] == "m.notice"
    assert content["body"] == "Request #7 accepted"
    assert "formatted_body" not in content


async def test_message_latency_and_unthrottled_burst(pair: Pair) -> None:
    latencies: list[float] = []
    for i in range(20):
        # B's long poll is in flight before A sends, so this measures delivery, not polling.
        waiting = asyncio.create_task(
            next_messages(pair.b, pair.room_id, sender=pair.a_user.user_id)
        )
        await asyncio.sleep(0.01)
        sent = time.monotonic()
        await send_text(pair.a, pair.room_id, f"ping {i}")
        [content] = await waiting
        latencies.append((time.monotonic() - sent) * 1000)
        assert content["body"] == f"ping {i}"
    print(
        f"\nA -> B latency over {len(latencies)}: p50 {statistics.median(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms"
    )

    # 50 back-to-back sends would hit M_LIMIT_EXCEEDED at Synapse's default rc_message
    # (burst 10, 0.2/s); the harness clients treat a 429 as an error instead of waiting.
    began = time.monotonic()
    for i in range(50):
        await send_text(pair.a, pair.room_id, f"burst {i}")
    contents = await next_messages(pair.b, pair.room_id, sender=pair.a_user.user_id, count=50)
    assert [c["body"] for c in contents] == [f"burst {i}" for i in range(50)]
    print(f"50-message burst sent and received in {time.monotonic() - began:.2f} s")


async def test_media_upload_and_download(pair: Pair) -> None:
    png = _tiny_png()
    upload, _ = await pair.a.upload(
        io.BytesIO(png), content_type="image/png", filename="dot.png", filesize=len(png)
    )
    assert isinstance(upload, nio.UploadResponse), upload
    assert upload.content_uri.startswith("mxc://aidbridge.test/")

    content: dict[str, Any] = {
        "msgtype": "m.image",
        "body": "dot.png",
        "url": upload.content_uri,
        "info": {"mimetype": "image/png", "size": len(png), "w": 1, "h": 1},
    }
    await send_content(pair.a, pair.room_id, content)
    [got] = await next_messages(pair.b, pair.room_id, sender=pair.a_user.user_id)
    assert got["msgtype"] == "m.image"
    assert got["info"]["mimetype"] == "image/png"

    # nio downloads through the authenticated /_matrix/client/v1/media API, which is the only
    # one Synapse serves new media on by default.
    download = await pair.b.download(mxc=got["url"])
    assert isinstance(download, nio.MemoryDownloadResponse), download
    assert download.body == png
    assert download.content_type == "image/png"


async def test_next_messages_keeps_what_it_did_not_ask_for(
    homeserver: Homeserver,
) -> None:
    hub = await homeserver.register(unique_localpart("hub"))
    x_user = await homeserver.register(unique_localpart("x"))
    y_user = await homeserver.register(unique_localpart("y"))
    hub_c, x, y = homeserver.client(hub), homeserver.client(x_user), homeserver.client(y_user)
    room_x = await create_dm(x, hub.user_id)
    room_y = await create_dm(y, hub.user_id)
    invited = {await wait_for_invite(hub_c), await wait_for_invite(hub_c)}
    assert invited == {room_x, room_y}
    for room_id in invited:
        await join(hub_c, room_id)
    # Both joins and the hub's own messages must not confuse the sender filter.
    await send_text(hub_c, room_x, "from hub")
    await send_text(x, room_x, "from x")
    await send_text(y, room_y, "from y")

    # The sync that brings room_x's messages is stored, not dropped, while we wait for room_y.
    [from_y] = await next_messages(hub_c, room_y, sender=y_user.user_id)
    [from_x] = await next_messages(hub_c, room_x, sender=x_user.user_id)
    assert (from_y["body"], from_x["body"]) == ("from y", "from x")
    [own] = await next_messages(hub_c, room_x)
    assert own["body"] == "from hub"

    with pytest.raises(TimeoutError, match="got 0 of 1 messages"):
        await next_messages(hub_c, room_x, timeout=0.3)
    with pytest.raises(TimeoutError, match="no invite"):
        await wait_for_invite(hub_c, timeout=0.3)


async def test_restart_keeps_users_rooms_and_tokens() -> None:
    # Its own server: restarting the session's shared one would cut other tests' long polls.
    async with Homeserver() as hs:
        p = await _make_pair(hs)
        await send_text(p.a, p.room_id, "before restart")
        [before] = await next_messages(p.b, p.room_id, sender=p.a_user.user_id)
        assert before["body"] == "before restart"

        port, began = hs.port, time.monotonic()
        await hs.restart()
        print(f"\nSynapse restart: {time.monotonic() - began:.2f} s")
        assert hs.port == port

        # Same client objects and tokens, same sync position: B picks up where it left off.
        await send_text(p.a, p.room_id, "after restart")
        [after] = await next_messages(p.b, p.room_id, sender=p.a_user.user_id)
        assert after["body"] == "after restart"
        c_user = await hs.register(unique_localpart("c"))
        assert c_user.user_id != p.b_user.user_id
        with pytest.raises(MatrixHarnessError, match="User ID already taken"):
            await hs.register(p.b_user.user_id.split(":")[0].lstrip("@"))


async def test_start_failure_names_the_cause(tmp_path: Path) -> None:
    # The bot's own interpreter has no Synapse, so start-up dies at once; the error must carry
    # Synapse's output rather than a bare timeout.
    hs = Homeserver(python=Path(sys.executable), data_dir=tmp_path)
    with pytest.raises(MatrixHarnessError, match="No module named 'synapse'"):
        await hs.start()
    assert not hs.running
    await hs.close()
