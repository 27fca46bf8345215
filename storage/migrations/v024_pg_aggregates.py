"""v021's aggregates kept on PostgreSQL too (issues 16 and 17).

v021 left them to SQLite's triggers: on PostgreSQL its tables were created empty and the chart
walked every candidate request's history, the digest summed every open line, a cost that
follows the table. Here the same aggregates get PL/pgSQL triggers with the SQLite triggers'
meaning (what each change adds to or takes from ``request_open_changes``,
``outstanding_changes`` and ``open_item_totals``; v021's docstring says what they hold), the
indexes v021 created only on SQLite, and a backfill from the rows already there: a database
upgraded in place, or moved with an older ``aidbridge migrate-data`` (which copied SQLite's
aggregates as they were at the move, left stale since), is emptied of them and rebuilt.

Where PostgreSQL's triggers differ from SQLite's, and why:
- AFTER ROW triggers fire at the end of the statement, not after each row as in SQLite. Where a
  row's part depends on the other rows changed by the same statement, that is said explicitly:
  ``open_item_totals`` (its ``requests``: "no other open line of the request has this item and
  unit") is kept per statement from its transition tables, its before-state rebuilt from them,
  so v018's one UPDATE flipping all lines of a request counts the request once; an event's
  change to ``request_open_changes`` leaves out the rows of its statement inserted after it,
  as SQLite would not have seen them yet.
- Upserts in one statement must not touch a row twice: each trigger sums its rows per key
  first, in key order.
- The aggregates' rows are shared by every writer (the whole sum, the current hour): with
  several replicas two transactions upserting the same keys in opposite order would deadlock.
  Every upsert into them first takes one transaction-scoped advisory lock
  (``aggregates_lock()``), so writers of the aggregates take turns, from their first upsert to
  their commit, as SQLite's single writer does.
On SQLite this step does nothing: v021 built everything there.
"""

from __future__ import annotations

import aiosqlite

from storage.pg import run_pg_script

_OPEN = "('new', 'acknowledged', 'pledged', 'in_transit')"
# A line's part of the chart: its outstanding quantity, and whether it has any (1 or 0).
_OUT = "GREATEST(0, {i}.quantity - GREATEST({i}.pledged, {i}.delivered))"
_HAS = "(CASE WHEN {i}.quantity > GREATEST({i}.pledged, {i}.delivered) THEN 1 ELSE 0 END)"
_SPANS = "(VALUES ('h'), ('d'), ('w'), ('all')) AS s (span)"
# Two 32-bit keys: a space of their own beside one-key advisory locks ('AIDB', v024).
_LOCK_KEYS = "1095320642, 24"


def _upsert_changes(select: str) -> str:
    """Add ``select``'s rows (span, bucket, item_key, urgency, outstanding, lines), summed per
    key and in key order, to ``outstanding_changes``."""
    return (
        "INSERT INTO outstanding_changes AS t"
        " (span, bucket, item_key, urgency, outstanding, lines)"
        " SELECT span, bucket, item_key, urgency, SUM(outstanding), SUM(lines)"
        f" FROM ({select}) AS part GROUP BY span, bucket, item_key, urgency"
        " HAVING SUM(outstanding) <> 0 OR SUM(lines) <> 0"
        " ORDER BY span, bucket, item_key, urgency"
        " ON CONFLICT (span, bucket, item_key, urgency) DO UPDATE SET"
        " outstanding = t.outstanding + excluded.outstanding, lines = t.lines + excluded.lines;"
    )


def _totals_delta(old: bool) -> str:
    """The statement's change to ``open_item_totals``, from its transition tables ``new_lines``
    and (for an UPDATE) ``old_lines``. ``requests`` moves by whether the request has an open
    line of the item and unit after the statement less whether it had one before it: before is
    the table without the statement's new rows, with its old ones."""
    changed = "SELECT 1 AS sign, n.* FROM new_lines n"
    had_old = ""
    if old:
        changed += " UNION ALL SELECT -1, o.* FROM old_lines o"
        had_old = (
            " OR EXISTS (SELECT 1 FROM old_lines b WHERE b.request_id = k.request_id"
            " AND b.item_key = k.item_key AND b.unit = k.unit AND b.request_open = 1)"
        )
    return f"""
    WITH changed AS ({changed}),
    parts AS (
        SELECT item_key, unit, sign * quantity AS requested, sign * pledged AS pledged,
            sign * delivered AS delivered, sign * {_OUT.format(i="changed")} AS outstanding,
            sign AS lines, 0 AS requests
        FROM changed WHERE request_open = 1 AND item_key IS NOT NULL
        UNION ALL
        SELECT k.item_key, k.unit, 0, 0, 0, 0, 0,
            (CASE WHEN EXISTS (SELECT 1 FROM request_items a WHERE a.request_id = k.request_id
                AND a.item_key = k.item_key AND a.unit = k.unit AND a.request_open = 1)
             THEN 1 ELSE 0 END)
            - (CASE WHEN EXISTS (SELECT 1 FROM request_items b WHERE b.request_id = k.request_id
                AND b.item_key = k.item_key AND b.unit = k.unit AND b.request_open = 1
                AND NOT EXISTS (SELECT 1 FROM new_lines x WHERE x.id = b.id)){had_old}
             THEN 1 ELSE 0 END)
        FROM (SELECT DISTINCT request_id, item_key, unit FROM changed
            WHERE item_key IS NOT NULL) AS k
    )
    INSERT INTO open_item_totals AS t
        (item_key, unit, requested, pledged, delivered, outstanding, lines, requests)
    SELECT item_key, unit, SUM(requested), SUM(pledged), SUM(delivered), SUM(outstanding),
        SUM(lines), SUM(requests)
    FROM parts GROUP BY item_key, unit
    HAVING SUM(requested) <> 0 OR SUM(pledged) <> 0 OR SUM(delivered) <> 0
        OR SUM(outstanding) <> 0 OR SUM(lines) <> 0 OR SUM(requests) <> 0
    ORDER BY item_key, unit
    ON CONFLICT (item_key, unit) DO UPDATE SET
        requested = t.requested + excluded.requested, pledged = t.pledged + excluded.pledged,
        delivered = t.delivered + excluded.delivered,
        outstanding = t.outstanding + excluded.outstanding, lines = t.lines + excluded.lines,
        requests = t.requests + excluded.requests;
    """


# Rows of the event's own statement inserted after it: SQLite's row-by-row trigger would not
# see them yet (ids grow in insertion order).
_NOT_LATER = "NOT EXISTS (SELECT 1 FROM new_events q WHERE q.id = {e}.id AND q.id > NEW.id)"

PG_SCHEMA = f"""
CREATE INDEX request_open_changes_request ON request_open_changes (request_id, at, change);
CREATE INDEX request_open_changes_at ON request_open_changes (at, request_id, change);

-- An instant's bucket of a span, as v021 writes it on SQLite: the hour 'YYYY-MM-DDTHH', the
-- day, the Monday of its week, or '' for the whole sum.
CREATE FUNCTION outstanding_bucket(span TEXT, at TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE span WHEN 'h' THEN substr(at, 1, 13) WHEN 'd' THEN substr(at, 1, 10)
        WHEN 'w' THEN to_char(substr(at, 1, 10)::date
            - (extract(isodow FROM substr(at, 1, 10)::date)::int - 1), 'YYYY-MM-DD')
        ELSE '' END
$$;

CREATE FUNCTION aggregates_lock() RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock({_LOCK_KEYS})
$$;

DELETE FROM outstanding_changes;
DELETE FROM open_item_totals;
DELETE FROM request_open_changes;

INSERT INTO request_open_changes (request_id, at, change)
    SELECT id, created_at, 1 FROM requests;
INSERT INTO request_open_changes (request_id, at, change)
    SELECT t.request_id, GREATEST(t.at, r.created_at), t.open - t.before
    FROM (
        SELECT request_id, at, CASE WHEN status IN {_OPEN} THEN 1 ELSE 0 END AS open,
            LAG(CASE WHEN status IN {_OPEN} THEN 1 ELSE 0 END, 1, 1)
                OVER (PARTITION BY request_id ORDER BY at, id) AS before
        FROM status_events WHERE status <> 'new'
    ) AS t JOIN requests r ON r.id = t.request_id
    WHERE t.open <> t.before;

INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'h', substr(c.at, 1, 13), COALESCE(i.item_key, ''), r.urgency,
        SUM(c.change * {_OUT.format(i="i")}), SUM(c.change)
    FROM request_items i
    JOIN request_open_changes c ON c.request_id = i.request_id
    JOIN requests r ON r.id = i.request_id
    WHERE i.quantity > GREATEST(i.pledged, i.delivered)
    GROUP BY 2, 3, 4;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'd', substr(bucket, 1, 10), item_key, urgency, SUM(outstanding), SUM(lines)
    FROM outstanding_changes WHERE span = 'h' GROUP BY 2, 3, 4;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'w', outstanding_bucket('w', bucket), item_key, urgency,
        SUM(outstanding), SUM(lines)
    FROM outstanding_changes WHERE span = 'd' GROUP BY 2, 3, 4;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'all', '', item_key, urgency, SUM(outstanding), SUM(lines)
    FROM outstanding_changes WHERE span = 'w' GROUP BY 3, 4;
DELETE FROM outstanding_changes WHERE outstanding = 0 AND lines = 0;

INSERT INTO open_item_totals
    (item_key, unit, requested, pledged, delivered, outstanding, lines, requests)
    SELECT item_key, unit, SUM(quantity), SUM(pledged), SUM(delivered),
        SUM({_OUT.format(i="i")}), COUNT(*), COUNT(DISTINCT request_id)
    FROM request_items i
    WHERE request_open = 1 AND item_key IS NOT NULL
    GROUP BY item_key, unit;

-- A request counts from its filing.
CREATE FUNCTION request_open_changes_on_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO request_open_changes (request_id, at, change) VALUES (NEW.id, NEW.created_at, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER request_open_changes_on_request AFTER INSERT ON requests
    FOR EACH ROW EXECUTE FUNCTION request_open_changes_on_request();

-- NEW's own change, dated no earlier than the filing; and, should NEW land before a later
-- event, that event's change undone by as much (the history after it is as it was).
CREATE FUNCTION request_open_changes_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    created TEXT;
    was INTEGER;
    delta INTEGER;
    later TEXT;
BEGIN
    SELECT r.created_at INTO created FROM requests r WHERE r.id = NEW.request_id;
    IF created IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT CASE WHEN p.status IN {_OPEN} THEN 1 ELSE 0 END INTO was
    FROM status_events p
    WHERE p.request_id = NEW.request_id AND p.status <> 'new'
        AND (p.at < NEW.at OR (p.at = NEW.at AND p.id < NEW.id)) AND {_NOT_LATER.format(e="p")}
    ORDER BY p.at DESC, p.id DESC LIMIT 1;
    delta := (CASE WHEN NEW.status IN {_OPEN} THEN 1 ELSE 0 END) - COALESCE(was, 1);
    IF delta = 0 THEN
        RETURN NULL;
    END IF;
    SELECT x.at INTO later
    FROM status_events x
    WHERE x.request_id = NEW.request_id AND x.status <> 'new'
        AND (x.at > NEW.at OR (x.at = NEW.at AND x.id > NEW.id)) AND {_NOT_LATER.format(e="x")}
    ORDER BY x.at, x.id LIMIT 1;
    INSERT INTO request_open_changes (request_id, at, change)
        VALUES (NEW.request_id, GREATEST(NEW.at, created), delta);
    IF later IS NOT NULL THEN
        INSERT INTO request_open_changes (request_id, at, change)
            VALUES (NEW.request_id, GREATEST(later, created), -delta);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER request_open_changes_on_event AFTER INSERT ON status_events
    REFERENCING NEW TABLE AS new_events
    FOR EACH ROW WHEN (NEW.status <> 'new')
    EXECUTE FUNCTION request_open_changes_on_event();

-- A change: every outstanding line of its request, at its instant.
CREATE FUNCTION outstanding_changes_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM request_items i
            WHERE i.request_id = NEW.request_id AND i.quantity > GREATEST(i.pledged, i.delivered))
    THEN
        RETURN NULL;
    END IF;
    PERFORM aggregates_lock();
    {
    _upsert_changes(
        "SELECT s.span, outstanding_bucket(s.span, NEW.at) AS bucket,"
        " COALESCE(i.item_key, '') AS item_key, r.urgency,"
        f" NEW.change * {_OUT.format(i='i')} AS outstanding, NEW.change AS lines"
        f" FROM request_items i JOIN requests r ON r.id = i.request_id CROSS JOIN {_SPANS}"
        " WHERE i.request_id = NEW.request_id"
        " AND i.quantity > GREATEST(i.pledged, i.delivered)"
    )
}
    RETURN NULL;
END $$;
CREATE TRIGGER outstanding_changes_on_change AFTER INSERT ON request_open_changes
    FOR EACH ROW EXECUTE FUNCTION outstanding_changes_on_change();

-- A line with something outstanding: its part at every change of its request.
CREATE FUNCTION outstanding_changes_on_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aggregates_lock();
    {
    _upsert_changes(
        "SELECT s.span, outstanding_bucket(s.span, c.at) AS bucket,"
        " COALESCE(NEW.item_key, '') AS item_key, r.urgency,"
        f" c.change * {_OUT.format(i='NEW')} AS outstanding, c.change AS lines"
        f" FROM request_open_changes c JOIN requests r ON r.id = c.request_id CROSS JOIN {_SPANS}"
        " WHERE c.request_id = NEW.request_id"
    )
}
    RETURN NULL;
END $$;
CREATE TRIGGER outstanding_changes_on_line AFTER INSERT ON request_items
    FOR EACH ROW WHEN (NEW.quantity > GREATEST(NEW.pledged, NEW.delivered))
    EXECUTE FUNCTION outstanding_changes_on_line();

-- A line's quantities or item changed: its old part out, its new part in, at every change.
CREATE FUNCTION outstanding_changes_on_quantities() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aggregates_lock();
    {
    _upsert_changes(
        "SELECT s.span, outstanding_bucket(s.span, c.at) AS bucket, l.item_key, r.urgency,"
        " c.change * l.outstanding AS outstanding, c.change * l.has AS lines"
        " FROM (VALUES"
        f" (OLD.request_id, COALESCE(OLD.item_key, ''), -{_OUT.format(i='OLD')},"
        f"  -{_HAS.format(i='OLD')}),"
        f" (NEW.request_id, COALESCE(NEW.item_key, ''), {_OUT.format(i='NEW')},"
        f"  {_HAS.format(i='NEW')})) AS l (request_id, item_key, outstanding, has)"
        " JOIN request_open_changes c ON c.request_id = l.request_id"
        f" JOIN requests r ON r.id = c.request_id CROSS JOIN {_SPANS}"
    )
}
    RETURN NULL;
END $$;
CREATE TRIGGER outstanding_changes_on_quantities
    AFTER UPDATE OF quantity, pledged, delivered, item_key ON request_items
    FOR EACH ROW WHEN ({_OUT.format(i="OLD")} <> {_OUT.format(i="NEW")}
        OR {_HAS.format(i="OLD")} <> {_HAS.format(i="NEW")}
        OR OLD.item_key IS DISTINCT FROM NEW.item_key)
    EXECUTE FUNCTION outstanding_changes_on_quantities();

-- A request's urgency changed: its lines' parts move from the old urgency to the new one.
CREATE FUNCTION outstanding_changes_on_urgency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aggregates_lock();
    {
    _upsert_changes(
        "SELECT s.span, outstanding_bucket(s.span, c.at) AS bucket,"
        " COALESCE(i.item_key, '') AS item_key, u.urgency,"
        f" u.sign * c.change * {_OUT.format(i='i')} AS outstanding,"
        " u.sign * c.change AS lines"
        " FROM request_open_changes c JOIN request_items i ON i.request_id = c.request_id"
        f" CROSS JOIN {_SPANS}"
        " CROSS JOIN (VALUES (OLD.urgency, -1), (NEW.urgency, 1)) AS u (urgency, sign)"
        " WHERE c.request_id = NEW.id AND i.quantity > GREATEST(i.pledged, i.delivered)"
    )
}
    RETURN NULL;
END $$;
CREATE TRIGGER outstanding_changes_on_urgency AFTER UPDATE OF urgency ON requests
    FOR EACH ROW WHEN (OLD.urgency IS DISTINCT FROM NEW.urgency)
    EXECUTE FUNCTION outstanding_changes_on_urgency();

-- The digest's totals, per statement (see the docstring).
CREATE FUNCTION open_item_totals_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_lines n
            WHERE n.request_open = 1 AND n.item_key IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    PERFORM aggregates_lock();
    {_totals_delta(old=False)}
    RETURN NULL;
END $$;
CREATE TRIGGER open_item_totals_on_insert AFTER INSERT ON request_items
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION open_item_totals_on_insert();

CREATE FUNCTION open_item_totals_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates of lines (what was received, a line's reading) change nothing here: no
    -- lock for them.
    IF NOT EXISTS (SELECT 1 FROM new_lines n JOIN old_lines o ON o.id = n.id
            WHERE (n.request_open = 1 OR o.request_open = 1)
            AND (n.item_key IS NOT NULL OR o.item_key IS NOT NULL)
            AND (n.request_id, n.request_open, n.item_key, n.unit, n.quantity, n.pledged,
                 n.delivered)
                IS DISTINCT FROM (o.request_id, o.request_open, o.item_key, o.unit,
                 o.quantity, o.pledged, o.delivered)) THEN
        RETURN NULL;
    END IF;
    PERFORM aggregates_lock();
    {_totals_delta(old=True)}
    RETURN NULL;
END $$;
CREATE TRIGGER open_item_totals_on_update AFTER UPDATE ON request_items
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION open_item_totals_on_update();
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    """SQLite: v021 built the aggregates and their triggers."""


async def upgrade_pg(conn: aiosqlite.Connection) -> None:
    await run_pg_script(conn, PG_SCHEMA)
