"""The storage contract: what the layers above rely on, asserted on SQLite and PostgreSQL alike.

Every test takes ``any_db`` (tests/conftest.py) and so runs once per engine. The digests,
outbox and handler modules that take ``any_db`` / ``any_harness`` belong to the same suite.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from storage import (
    audit,
    conversations,
    invites,
    members,
    organisations,
    requests,
    room_holds,
    subscriptions,
    transport_state,
)
from storage.db import Database, fetch_all, fetch_one
from storage.invites import InviteCheck, InviteKey
from storage.models import (
    Filters,
    Identity,
    NeedItemDraft,
    OrgKind,
    Role,
    Status,
    SubscriptionKind,
    Urgency,
)
from storage.turn_start import TurnKey, open_turn, open_turn_async

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALICE = Identity(transport="telegram", user_id="101")


async def _org(db: Database) -> int:
    async with db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Лікарня №4",
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address="вул. Лікарняна 5",
            now=NOW,
        )
    return org.id


async def _member(db: Database, org_id: int, identity: Identity = ALICE) -> int:
    async with db.transaction() as conn:
        member = await members.add_member(
            conn,
            identity=identity,
            chat_id=identity.user_id,
            org_id=org_id,
            roles=frozenset({Role.REQUESTER, Role.COORDINATOR}),
            language="uk",
            display_name="Аліса",
            now=NOW,
        )
    return member.id


def _items(*texts: str) -> list[NeedItemDraft]:
    return [
        NeedItemDraft(item_key=None, free_text=text, quantity=n + 1, unit="pcs")
        for n, text in enumerate(texts)
    ]


async def test_ids_read_aloud_start_at_r1001_and_items_keep_their_order(any_db: Database) -> None:
    org = await _org(any_db)
    author = await _member(any_db, org)
    async with any_db.transaction() as conn:
        first = await requests.add_request(
            conn,
            org_id=org,
            created_by=author,
            urgency=Urgency.CRITICAL,
            needed_by=None,
            delivery_place=None,
            note="тест",
            items=_items("Генератор", "бинти"),
            now=NOW,
        )
        second = await requests.add_request(
            conn,
            org_id=org,
            created_by=author,
            urgency=Urgency.LOW,
            needed_by=None,
            delivery_place=None,
            note=None,
            items=_items("вода"),
            now=NOW + timedelta(minutes=1),
        )
    assert (first.id, second.id) == (1001, 1002)
    async with any_db.read() as conn:
        again = await requests.get_request(conn, first.id)
        assert again is not None
        assert [i.free_text for i in again.items] == ["Генератор", "бинти"]
        assert again.status is Status.NEW
        # The open list: most urgent first (urgency_rank, a generated column on both).
        listed = await requests.list_requests(conn, statuses=[Status.NEW], limit=10)
        assert [r.id for r in listed] == [1001, 1002]
        # Typed text is folded the same way in SQL on both engines (Cyrillic case too).
        like = await requests.list_open_items_like(
            conn, org_id=org, item_keys=[], free_texts=["ГЕНЕРАТОР "]
        )
        assert [(i.request_id, i.free_text) for i in like] == [(1001, "Генератор")]


async def test_a_member_is_found_by_identity_and_by_role(any_db: Database) -> None:
    org = await _org(any_db)
    member_id = await _member(any_db, org)
    async with any_db.read() as conn:
        found = await members.get_member_by_identity(conn, ALICE)
        assert found is not None and found.id == member_id
        coordinators = await members.list_members(conn, role=Role.COORDINATOR)
        assert [m.id for m in coordinators] == [member_id]
        assert await members.list_members(conn, role=Role.ADMIN) == []
        # An integer where the column is text: taken as its text, as SQLite does.
        rows = await fetch_all(conn, "SELECT id FROM members WHERE user_id = ?", (101,))
        assert [r["id"] for r in rows] == [member_id]


async def test_an_invite_is_used_once(any_db: Database) -> None:
    org = await _org(any_db)
    admin = await _member(any_db, org)
    key = InviteKey.generate()
    async with any_db.transaction() as conn:
        code, invite = await invites.add_invite(
            conn,
            key=key,
            org_id=org,
            role=Role.REQUESTER,
            expires_at=NOW + timedelta(days=7),
            created_by=admin,
            now=NOW,
        )
    bob = await _member(any_db, org, Identity(transport="telegram", user_id="202"))
    async with any_db.transaction() as conn:
        check, found = await invites.check_invite(conn, key, code, NOW)
        assert check is InviteCheck.OK and found is not None and found.id == invite.id
        assert await invites.set_invite_used(conn, invite.id, bob, NOW)
    async with any_db.transaction() as conn:
        assert not await invites.set_invite_used(conn, invite.id, bob, NOW)
        check, _ = await invites.check_invite(conn, key, code, NOW)
        assert check is InviteCheck.USED


async def test_a_digest_window_is_claimed_exactly_once(any_db: Database) -> None:
    org = await _org(any_db)
    member_id = await _member(any_db, org)
    async with any_db.transaction() as conn:
        sub = await subscriptions.add_subscription(
            conn,
            member_id=member_id,
            transport="telegram",
            chat_id="101",
            language="uk",
            kind=SubscriptionKind.DAILY,
            cron="0 8 * * *",
            timezone="Europe/Kyiv",
            filters=Filters(),
            now=NOW,
        )

    async def claim() -> bool:
        async with any_db.transaction() as conn:
            return await subscriptions.claim_digest_run(
                conn,
                sub_id=sub.id,
                run_key="2026-11-25T08:00",
                window_start=NOW,
                window_end=NOW + timedelta(days=1),
                parts=1,
                now=NOW,
            )

    # Two firings at once (the DST night's double 02:30): one claims, the other sees it.
    results = await asyncio.gather(claim(), claim())
    assert sorted(results) == [False, True]
    async with any_db.read() as conn:
        assert await subscriptions.count_digest_runs(conn, sub.id) == 1
        again = await subscriptions.get_subscription(conn, sub.id)
        assert again is not None and again.last_window_end == NOW + timedelta(days=1)


async def test_the_audit_log_is_append_only(any_db: Database) -> None:
    async with any_db.transaction() as conn:
        await audit.add_audit(
            conn,
            actor_id=None,
            actor_label="test",
            action="org.add",
            target="org:1",
            params={"name": "Лікарня", "count": 2},
            now=NOW,
        )
    for statement in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with any_db.transaction() as conn:
                await conn.execute(statement)
    async with any_db.read() as conn:
        entries = await audit.list_audit(conn, limit=10)
    assert len(entries) == 1
    assert entries[0].params == {"name": "Лікарня", "count": 2}


async def test_a_failed_transaction_leaves_nothing(any_db: Database) -> None:
    org = await _org(any_db)
    with pytest.raises(RuntimeError):
        async with any_db.transaction() as conn:
            await transport_state.set_state(conn, "cursor", "1", NOW)
            raise RuntimeError("the handler failed")
    async with any_db.read() as conn:
        assert await transport_state.get_state(conn, "cursor") is None
        # The connection is usable afterwards.
        assert await organisations.get_organisation(conn, org) is not None


async def test_upserts_and_conflicts(any_db: Database) -> None:
    async with any_db.transaction() as conn:
        await transport_state.set_state(conn, "next_batch", "a", NOW)
        await transport_state.set_state(conn, "next_batch", "b", NOW)
        assert await room_holds.hold(conn, "matrix", "!room", "stranger", NOW)
        assert not await room_holds.hold(conn, "matrix", "!room", "stranger", NOW)
        # INSERT OR IGNORE (translated on PostgreSQL): the second changes no row.
        for _ in range(2):
            cur = await conn.execute(
                "INSERT OR IGNORE INTO chat_menus (transport, chat_id, choices, updated_at)"
                " VALUES (?, ?, ?, ?)",
                ("telegram", "1", "[]", "t"),
            )
        assert cur.rowcount == 0
    async with any_db.read() as conn:
        assert await transport_state.get_state(conn, "next_batch") == "b"
        assert await room_holds.held_chats(conn) == {("matrix", "!room")}


async def test_an_engine_turn_claims_its_update_once(any_db: Database) -> None:
    org = await _org(any_db)
    await _member(any_db, org)
    async with any_db.transaction() as conn:
        await conversations.set_conversation(
            conn,
            transport=ALICE.transport,
            chat_id="101",
            user_id=ALICE.user_id,
            flow="new",
            step="items",
            data_json='{"x": 1}',
            now=NOW,
        )
    key = TurnKey(
        transport="telegram",
        update_id="u1",
        sender=ALICE,
        chat_id="101",
        now=NOW,
        want_menu=True,
    )
    for expected in (True, False):
        async with any_db.grouped_transaction(
            lambda raw: open_turn(raw, key), first_async=lambda conn: open_turn_async(conn, key)
        ) as (_, start):
            assert start.claimed is expected
            if expected:
                assert start.member is not None and start.member.identity == ALICE
                assert start.conversation is not None and start.conversation.step == "items"
                assert start.menu is None


async def test_a_snapshot_sees_one_state_while_turns_commit(any_db: Database) -> None:
    org = await _org(any_db)
    async with any_db.snapshot() as snap:
        first = await fetch_one(snap, "SELECT COUNT(*) FROM organisations")
        # A turn commits while the report reads: the lock is not held by the snapshot.
        await asyncio.wait_for(_org(any_db), timeout=30)
        second = await fetch_one(snap, "SELECT COUNT(*) FROM organisations")
    assert first is not None and second is not None
    if any_db.path != ":memory:":
        assert first[0] == second[0] == 1
    async with any_db.read() as conn:
        row = await fetch_one(conn, "SELECT COUNT(*) FROM organisations WHERE id >= ?", (org,))
    assert row is not None and row[0] == 2


async def test_the_table_list_is_the_same_on_both_engines(any_db: Database) -> None:
    names = await any_db.table_names()
    assert {"requests", "request_items", "outbox", "audit", "shipments", "offers"} <= set(names)
    assert not [n for n in names if n.startswith("sqlite_")]
