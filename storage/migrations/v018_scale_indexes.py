"""Indexes that keep lists and the outbox as cheap at 1,000,000 requests as at 10,000 (issue 17).

``urgency_rank`` is the urgency as a number (critical 0 ... low 3), a VIRTUAL generated column:
nothing to backfill or keep in step, and an index on it can be searched by a row value, which
an index on the CASE expression cannot. ``requests_open_order`` and
``requests_org_open_order`` hold the open requests in the order /open and /my show them (most
urgent first, then oldest): a page is read off the index from the last row of the page before
(keyset pagination) instead of sorting every open request. They
are partial indexes over the open statuses, so closed history (most of a large table) costs
nothing in them; a query uses them only when it says ``status IN (...)`` with exactly these
literals, which storage/requests.py does (``OPEN_STATUS_SQL``).

``request_items.request_open`` says whether the line's request is open, kept by triggers in
the same statement as the change (a status update, an item added), so no code path can miss
it. ``request_items_open_totals`` holds only open requests' lines in (item_key, unit) order:
the digest's totals walk those lines instead of every line ever filed (at 1,000,000 requests
2.5 million lines, 1.7 s, for the 275,000 of open requests).

``request_items_request_key`` replaces ``request_items_request`` (its prefix serves every
lookup by request id): the duplicate marks of a /open page ask, for each open request of the
same organisation, "does it hold this item?", which the key answers from the index alone
(141 ms a page at 1,000,000 requests when each line's row was read).

``request_items.request_org_id`` is the line's request's organisation (a request never
changes organisation), set by the same insert trigger; ``request_items_open_org_key`` answers
the duplicate marks' "which other open request of this organisation holds this item?" with
one seek per line, whatever the organisation's number of open requests.

``requests.last_event_at`` is the time of the request's latest history event (its filing
time before any), kept by triggers; ``requests_open_last_event`` holds the open requests by
it, so the digest's "silent for N days" reads the silent ones off the index instead of
probing the history of every old open request.
"""

from __future__ import annotations

import aiosqlite

from storage.pg import run_pg_script
from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE requests ADD COLUMN urgency_rank INTEGER GENERATED ALWAYS AS (
    CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
) VIRTUAL;
CREATE INDEX requests_open_order ON requests (urgency_rank, created_at, id)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');
CREATE INDEX requests_org_open_order ON requests (org_id, urgency_rank, created_at, id)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');

ALTER TABLE request_items ADD COLUMN request_open INTEGER NOT NULL DEFAULT 0
    CHECK (request_open IN (0, 1));
UPDATE request_items SET request_open = 1 WHERE request_id IN (
    SELECT id FROM requests WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit'));
ALTER TABLE request_items ADD COLUMN request_org_id INTEGER;
UPDATE request_items SET request_org_id = (
    SELECT org_id FROM requests WHERE id = request_items.request_id);
CREATE TRIGGER request_items_open_on_insert AFTER INSERT ON request_items
BEGIN
    UPDATE request_items SET
        request_open = (
            SELECT status IN ('new', 'acknowledged', 'pledged', 'in_transit')
            FROM requests WHERE id = NEW.request_id),
        request_org_id = (SELECT org_id FROM requests WHERE id = NEW.request_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER requests_open_on_status AFTER UPDATE OF status ON requests
WHEN (OLD.status IN ('new', 'acknowledged', 'pledged', 'in_transit'))
    != (NEW.status IN ('new', 'acknowledged', 'pledged', 'in_transit'))
BEGIN
    UPDATE request_items
    SET request_open = NEW.status IN ('new', 'acknowledged', 'pledged', 'in_transit')
    WHERE request_id = NEW.id;
END;
CREATE INDEX request_items_request_key ON request_items (request_id, item_key);
DROP INDEX request_items_request;

ALTER TABLE requests ADD COLUMN last_event_at TEXT;
UPDATE requests SET last_event_at = COALESCE(
    (SELECT MAX(e.at) FROM status_events e WHERE e.request_id = requests.id), created_at);
CREATE TRIGGER requests_last_event_on_insert AFTER INSERT ON requests
BEGIN
    UPDATE requests SET last_event_at = NEW.created_at
    WHERE id = NEW.id AND last_event_at IS NULL;
END;
CREATE TRIGGER status_events_last_event AFTER INSERT ON status_events
BEGIN
    UPDATE requests SET last_event_at = NEW.at
    WHERE id = NEW.request_id AND (last_event_at IS NULL OR last_event_at < NEW.at);
END;
CREATE INDEX requests_open_last_event ON requests (last_event_at)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');

CREATE INDEX request_items_open_org_key
    ON request_items (request_org_id, item_key, request_id) WHERE request_open = 1;

-- request_open again as a column: without it SQLite reads each line's row to test the term
-- the partial index already guarantees (not a covering index).
CREATE INDEX request_items_open_totals
    ON request_items (item_key, unit, request_id, quantity, pledged, delivered, request_open)
    WHERE request_open = 1;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)


# PostgreSQL: urgency_rank STORED (PostgreSQL 15 has no virtual generated columns); the
# triggers in PL/pgSQL, the line's columns set BEFORE its insert rather than updated after it.
PG_SCHEMA = """
ALTER TABLE requests ADD COLUMN urgency_rank BIGINT GENERATED ALWAYS AS (
    CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
) STORED;
CREATE INDEX requests_open_order ON requests (urgency_rank, created_at, id)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');
CREATE INDEX requests_org_open_order ON requests (org_id, urgency_rank, created_at, id)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');

ALTER TABLE request_items ADD COLUMN request_open BIGINT NOT NULL DEFAULT 0
    CHECK (request_open IN (0, 1));
UPDATE request_items SET request_open = 1 WHERE request_id IN (
    SELECT id FROM requests WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit'));
ALTER TABLE request_items ADD COLUMN request_org_id BIGINT;
UPDATE request_items SET request_org_id = (
    SELECT org_id FROM requests WHERE id = request_items.request_id);

CREATE FUNCTION request_items_open_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN status IN ('new', 'acknowledged', 'pledged', 'in_transit')
                THEN 1 ELSE 0 END,
           org_id
    INTO NEW.request_open, NEW.request_org_id
    FROM requests WHERE id = NEW.request_id;
    RETURN NEW;
END $$;
CREATE TRIGGER request_items_open_on_insert BEFORE INSERT ON request_items
    FOR EACH ROW EXECUTE FUNCTION request_items_open_on_insert();

CREATE FUNCTION requests_open_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE request_items
    SET request_open = CASE WHEN NEW.status IN ('new', 'acknowledged', 'pledged', 'in_transit')
                            THEN 1 ELSE 0 END
    WHERE request_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER requests_open_on_status AFTER UPDATE OF status ON requests
    FOR EACH ROW
    WHEN ((OLD.status IN ('new', 'acknowledged', 'pledged', 'in_transit'))
          IS DISTINCT FROM (NEW.status IN ('new', 'acknowledged', 'pledged', 'in_transit')))
    EXECUTE FUNCTION requests_open_on_status();

CREATE INDEX request_items_request_key ON request_items (request_id, item_key);
DROP INDEX request_items_request;

ALTER TABLE requests ADD COLUMN last_event_at TEXT;
UPDATE requests SET last_event_at = COALESCE(
    (SELECT MAX(e.at) FROM status_events e WHERE e.request_id = requests.id), created_at);

CREATE FUNCTION requests_last_event_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.last_event_at := COALESCE(NEW.last_event_at, NEW.created_at);
    RETURN NEW;
END $$;
CREATE TRIGGER requests_last_event_on_insert BEFORE INSERT ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_last_event_on_insert();

CREATE FUNCTION status_events_last_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE requests SET last_event_at = NEW.at
    WHERE id = NEW.request_id AND (last_event_at IS NULL OR last_event_at < NEW.at);
    RETURN NULL;
END $$;
CREATE TRIGGER status_events_last_event AFTER INSERT ON status_events
    FOR EACH ROW EXECUTE FUNCTION status_events_last_event();

CREATE INDEX requests_open_last_event ON requests (last_event_at)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');
CREATE INDEX request_items_open_org_key
    ON request_items (request_org_id, item_key, request_id) WHERE request_open = 1;
CREATE INDEX request_items_open_totals
    ON request_items (item_key, unit, request_id, quantity, pledged, delivered, request_open)
    WHERE request_open = 1;
"""


async def upgrade_pg(conn: aiosqlite.Connection) -> None:
    await run_pg_script(conn, PG_SCHEMA)
