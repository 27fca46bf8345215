"""storage/offers.py ranks and counts in SQL exactly as handlers/offers/matching.py does in
Python (the SQL only cuts what a chat shows), and leaves out what cannot be allocated."""

from __future__ import annotations

from pathlib import Path

from bench.matching import TODAY, World, fill
from handlers.offers.matching import lines_for_need, needs_for_line, open_by_key
from storage import offers
from storage.db import open_db
from storage.models import Urgency
from storage.offer_models import OpenOfferLine


async def test_sql_ranking_and_counts_equal_the_pure_function(tmp_path: Path) -> None:
    world = World(needs=600, lines=80, seed=3)
    path = tmp_path / "offers.db"
    await fill(path, world)
    db = await open_db(path)
    try:
        async with db.transaction() as conn:
            # Not allocatable: a declined request, an item pledged in full, a withdrawn offer,
            # an offer past its last day, a line allocated in full.
            await conn.execute("UPDATE requests SET status = 'declined' WHERE id % 7 = 0")
            await conn.execute("UPDATE request_items SET pledged = quantity WHERE id % 5 = 0")
            await conn.execute("UPDATE offers SET status = 'withdrawn' WHERE id % 6 = 0")
            await conn.execute("UPDATE offers SET available_until = '2026-11-28' WHERE id % 6 = 1")
            await conn.execute("UPDATE offer_lines SET allocated = quantity WHERE id % 9 = 0")
        async with db.read() as conn:
            everything = await offers.list_open_needs(conn)
            assert everything and all(n.outstanding > 0 for n in everything)
            assert not {n.request_id for n in everything if n.request_id % 7 == 0}
            assert not {n.item_id for n in everything if n.item_id % 5 == 0}
            keys = {n.item_key for n in everything if n.item_key}
            assert await offers.count_open_needs(conn, keys) == open_by_key(everything)
            lines = await offers.list_open_offer_lines(conn, today=TODAY)
            assert lines and not {ln.offer_id for ln in lines if ln.offer_id % 6 in (0, 1)}
            assert not {ln.line_id for ln in lines if ln.line_id % 9 == 0}
            ids = await offers.list_open_offer_ids(conn, today=TODAY)
            assert ids == sorted({ln.offer_id for ln in lines})
            some = await offers.list_open_offer_lines(conn, today=TODAY, offer_ids=ids[:3])
            assert some == [ln for ln in lines if ln.offer_id in ids[:3]]
            checked = 0
            for key in sorted(keys):
                probe = OpenOfferLine(
                    line_id=0,
                    offer_id=0,
                    org_id=0,
                    item_key=key,
                    spec=None,
                    remaining=1,
                    unit="pcs",
                    available_until=TODAY,
                )
                ranked = [m.need for m in needs_for_line(probe, everything, TODAY)]
                for top in (1, 3, 10):
                    cut = await offers.list_open_needs(conn, item_keys={key}, top=(TODAY, top))
                    assert cut == ranked[:top], key
                    first, total = await offers.top_open_needs(conn, key, today=TODAY, n=top)
                    assert (first, total) == (ranked[:top], len(ranked)), key
                critical = await offers.list_open_needs(
                    conn, item_keys={key}, urgency=Urgency.CRITICAL, top=(TODAY, 5)
                )
                assert critical == [n for n in ranked if n.urgency is Urgency.CRITICAL][:5]
                of_key = [ln for ln in lines if ln.item_key == key]
                soonest = await offers.list_open_offer_lines(
                    conn, today=TODAY, item_keys=[key], limit=3
                )
                need = next((n for n in everything if n.item_key == key), None)
                if need is not None:
                    assert [m.line for m in lines_for_need(need, of_key)][:3] == soonest
                checked += len(ranked)
            assert checked == len([n for n in everything if n.item_key])
    finally:
        await db.close()
