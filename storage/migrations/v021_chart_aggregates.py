"""Aggregates for the weekly chart and an index for the digest's stale section (issue 17).

The chart asks, for each of 8 week ends E: how much of each (item, urgency) was outstanding in
requests that existed and were open at E, with today's quantities (storage/charts.py). Walking
every candidate request's history for that cost ~5 s at 1,000,000 requests. Instead:

``request_open_changes`` holds the instants a request became open (+1: filed, or back to an open
status) or closed (-1), derived from ``status_events`` exactly as the walk read them (the last
event at or before E decides, "new" events change nothing, a request counts from its
``created_at``). A request's changes up to E sum to 1 when it was open at E, else 0.

``outstanding_changes`` sums, per bucket of time, item key ('' for free text) and urgency, each
change times its request's item lines' outstanding quantity (``quantity - MAX(pledged,
delivered)`` when positive) and times 1 per such line (``lines``: the coordination round counts
lines, since quantities of different units cannot be added). Buckets come in four spans: ``h``
(the hour, 'YYYY-MM-DDTHH' in UTC), ``d`` (the day, 'YYYY-MM-DD'), ``w`` (the week from Monday,
its date) and ``all`` (bucket ''): the whole sum, which is what is open now. The value at E is
``all`` less every change after E: the changes in E's own hour one by one, then the hours to
the end of E's day, the days to the end of its week and the weeks after it; about forty
bucket rows per key, whatever the size of the history.

Everything is kept by triggers in the statement that makes the change (an event, a line added,
a pledge or delivery counted, a request filed), so no code path can miss it. A change to a
line's quantities moves its contribution at each of its request's changes, since the chart uses
today's quantities for every week.

``requests_open_stale`` holds the open requests in list order with their latest event's time:
the digest's stale section reads its first rows and counts them from the index alone.
``open_item_totals`` holds the digest's totals per (item, unit) over open requests' catalogue
lines, and ``status_events_at_kind`` (replacing ``status_events_at``) lets the window's events
be counted from the index.
"""

from __future__ import annotations

import aiosqlite

from storage.pg import run_pg_script
from storage.sqlscript import run_script

_OPEN = "('new', 'acknowledged', 'pledged', 'in_transit')"
# A line's part of the chart: its outstanding quantity, and whether it has any.
_OUT = "MAX(0, {i}.quantity - MAX({i}.pledged, {i}.delivered))"
_HAS = "({i}.quantity > MAX({i}.pledged, {i}.delivered))"
# The four buckets of an instant stored as ISO text in UTC (storage/timefmt.py).
_SPANS = "(SELECT 'h' AS span UNION ALL SELECT 'd' UNION ALL SELECT 'w' UNION ALL SELECT 'all')"


def _bucket(at: str) -> str:
    return (
        f"CASE s.span WHEN 'h' THEN substr({at}, 1, 13) WHEN 'd' THEN substr({at}, 1, 10)"
        f" WHEN 'w' THEN date(substr({at}, 1, 10), '-6 days', 'weekday 1') ELSE '' END"
    )


_UPSERT = (
    " ON CONFLICT (span, bucket, item_key, urgency) DO UPDATE SET"
    " outstanding = outstanding + excluded.outstanding, lines = lines + excluded.lines"
)


def _line_at_changes(line: str, sign: str, urgency: str) -> str:
    """Upsert ``line``'s part (times ``sign``) at every change of its request."""
    return (
        "INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)"
        f" SELECT s.span, {_bucket('c.at')}, COALESCE({line}.item_key, ''), {urgency},"
        f" {sign} * c.change * {_OUT.format(i=line)}, {sign} * c.change * {_HAS.format(i=line)}"
        f" FROM request_open_changes c, {_SPANS} s WHERE c.request_id = {line}.request_id"
        f"{_UPSERT};"
    )


def _request_at_change(urgency: str, sign: str) -> str:
    """Upsert, at NEW's instant (a request_open_changes row), every outstanding line of it."""
    return (
        "INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)"
        f" SELECT s.span, {_bucket('NEW.at')}, COALESCE(i.item_key, ''), {urgency},"
        f" {sign} * NEW.change * {_OUT.format(i='i')}, {sign} * NEW.change"
        f" FROM request_items i, {_SPANS} s"
        f" WHERE i.request_id = NEW.request_id AND {_HAS.format(i='i')}{_UPSERT};"
    )


# The status of the request's event before / after NEW in history order (at, id), "new"
# events left out; an open status (1) when there is none before (a request starts as new).
_BEFORE = (
    f"(SELECT p.status IN {_OPEN} FROM status_events p WHERE p.request_id = NEW.request_id"
    " AND p.status != 'new' AND (p.at < NEW.at OR (p.at = NEW.at AND p.id < NEW.id))"
    " ORDER BY p.at DESC, p.id DESC LIMIT 1)"
)
_NEXT_AT = (
    "(SELECT x.at FROM status_events x WHERE x.request_id = NEW.request_id"
    " AND x.status != 'new' AND (x.at > NEW.at OR (x.at = NEW.at AND x.id > NEW.id))"
    " ORDER BY x.at, x.id LIMIT 1)"
)

SCHEMA = f"""
-- The digest's window sections count the window's events by kind and status ("status changes"
-- leave out creations and deliveries; "delivered" counts delivering events' requests): with
-- those in the index beside the time, the counts read no event row (at 1,000,000 requests a
-- week's 40,000 events read twice were 110 ms of a weekly digest's data).
CREATE INDEX status_events_at_kind ON status_events (at, kind, status, request_id);
DROP INDEX status_events_at;

-- status again as a column: without it SQLite reads each row to test the term the partial
-- index already guarantees (as request_items_open_totals in v018); urgency and org_id for the
-- digest's filters (a raion's is a set of organisations).
CREATE INDEX requests_open_stale
    ON requests (urgency_rank, created_at, id, last_event_at, status, urgency, org_id)
    WHERE status IN {_OPEN};

CREATE TABLE request_open_changes (
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    at          TEXT NOT NULL,
    change      INTEGER NOT NULL CHECK (change IN (-1, 1))
);
INSERT INTO request_open_changes (request_id, at, change)
    SELECT id, created_at, 1 FROM requests;
INSERT INTO request_open_changes (request_id, at, change)
    SELECT t.request_id, MAX(t.at, r.created_at), t.open - t.before
    FROM (
        SELECT request_id, at, status IN {_OPEN} AS open,
            LAG(status IN {_OPEN}, 1, 1) OVER (PARTITION BY request_id ORDER BY at, id)
                AS before
        FROM status_events WHERE status != 'new'
    ) AS t JOIN requests r ON r.id = t.request_id
    WHERE t.open != t.before;
CREATE INDEX request_open_changes_request ON request_open_changes (request_id, at, change);
CREATE INDEX request_open_changes_at ON request_open_changes (at, request_id, change);

CREATE TABLE outstanding_changes (
    span        TEXT NOT NULL CHECK (span IN ('h', 'd', 'w', 'all')),
    bucket      TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    urgency     TEXT NOT NULL,
    outstanding INTEGER NOT NULL,
    lines       INTEGER NOT NULL,
    PRIMARY KEY (span, bucket, item_key, urgency)
) WITHOUT ROWID;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'h', substr(c.at, 1, 13), COALESCE(i.item_key, ''), r.urgency,
        SUM(c.change * (i.quantity - MAX(i.pledged, i.delivered))), SUM(c.change)
    FROM request_items i
    JOIN request_open_changes c ON c.request_id = i.request_id
    JOIN requests r ON r.id = i.request_id
    WHERE i.quantity > MAX(i.pledged, i.delivered)
    GROUP BY 2, 3, 4;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'd', substr(bucket, 1, 10), item_key, urgency, SUM(outstanding), SUM(lines)
    FROM outstanding_changes WHERE span = 'h' GROUP BY 2, 3, 4;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'w', date(bucket, '-6 days', 'weekday 1'), item_key, urgency,
        SUM(outstanding), SUM(lines)
    FROM outstanding_changes WHERE span = 'd' GROUP BY 2, 3, 4;
INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
    SELECT 'all', '', item_key, urgency, SUM(outstanding), SUM(lines)
    FROM outstanding_changes WHERE span = 'w' GROUP BY 3, 4;
-- Requests closed before the chart's weeks add and take away the same: nothing to read.
DELETE FROM outstanding_changes WHERE outstanding = 0 AND lines = 0;

CREATE TRIGGER request_open_changes_on_request AFTER INSERT ON requests
BEGIN
    INSERT INTO request_open_changes (request_id, at, change) VALUES (NEW.id, NEW.created_at, 1);
END;

CREATE TRIGGER request_open_changes_on_event AFTER INSERT ON status_events
WHEN NEW.status != 'new'
BEGIN
    -- NEW's own change, dated no earlier than the filing (before it the request is not
    -- counted at all); and, should NEW land before a later event, that event's change undone
    -- by as much (the history after it is as it was).
    INSERT INTO request_open_changes (request_id, at, change)
        SELECT NEW.request_id, MAX(NEW.at, r.created_at), d.change
        FROM requests r, (SELECT (NEW.status IN {_OPEN}) - COALESCE({_BEFORE}, 1) AS change) d
        WHERE r.id = NEW.request_id AND d.change != 0;
    INSERT INTO request_open_changes (request_id, at, change)
        SELECT NEW.request_id, MAX(n.at, r.created_at), -d.change
        FROM requests r, (SELECT (NEW.status IN {_OPEN}) - COALESCE({_BEFORE}, 1) AS change) d,
            (SELECT {_NEXT_AT} AS at) n
        WHERE r.id = NEW.request_id AND d.change != 0 AND n.at IS NOT NULL;
END;

CREATE TRIGGER outstanding_changes_on_change AFTER INSERT ON request_open_changes
BEGIN
    {_request_at_change("(SELECT urgency FROM requests WHERE id = NEW.request_id)", "1")}
END;

CREATE TRIGGER outstanding_changes_on_line AFTER INSERT ON request_items
WHEN {_HAS.format(i="NEW")}
BEGIN
    {_line_at_changes("NEW", "1", "(SELECT urgency FROM requests WHERE id = NEW.request_id)")}
END;

CREATE TRIGGER outstanding_changes_on_quantities
AFTER UPDATE OF quantity, pledged, delivered, item_key ON request_items
WHEN {_OUT.format(i="OLD")} != {_OUT.format(i="NEW")}
    OR {_HAS.format(i="OLD")} != {_HAS.format(i="NEW")} OR OLD.item_key IS NOT NEW.item_key
BEGIN
    {_line_at_changes("OLD", "-1", "(SELECT urgency FROM requests WHERE id = OLD.request_id)")}
    {_line_at_changes("NEW", "1", "(SELECT urgency FROM requests WHERE id = NEW.request_id)")}
END;

CREATE TRIGGER outstanding_changes_on_urgency AFTER UPDATE OF urgency ON requests
WHEN OLD.urgency != NEW.urgency
BEGIN
    INSERT INTO outstanding_changes (span, bucket, item_key, urgency, outstanding, lines)
        SELECT s.span, {_bucket("c.at")}, COALESCE(i.item_key, ''), u.urgency,
            u.sign * c.change * {_OUT.format(i="i")}, u.sign * c.change
        FROM request_open_changes c JOIN request_items i ON i.request_id = c.request_id,
            {_SPANS} s,
            (SELECT OLD.urgency AS urgency, -1 AS sign UNION ALL SELECT NEW.urgency, 1) u
        WHERE c.request_id = NEW.id AND {_HAS.format(i="i")}{_UPSERT};
END;
"""


def _line_totals(line: str, sign: str) -> str:
    """Upsert ``line``'s part (times ``sign``) of its (item, unit) totals; it adds a request
    when no other open line of its request has the same item and unit."""
    return (
        "INSERT INTO open_item_totals"
        " (item_key, unit, requested, pledged, delivered, outstanding, lines, requests)"
        f" SELECT {line}.item_key, {line}.unit, {sign} * {line}.quantity,"
        f" {sign} * {line}.pledged, {sign} * {line}.delivered,"
        f" {sign} * {_OUT.format(i=line)}, {sign},"
        f" {sign} * NOT EXISTS (SELECT 1 FROM request_items o"
        f"  WHERE o.request_id = {line}.request_id AND o.item_key = {line}.item_key"
        f"  AND o.unit = {line}.unit AND o.request_open = 1 AND o.id != {line}.id)"
        f" WHERE {line}.request_open = 1 AND {line}.item_key IS NOT NULL"
        " ON CONFLICT (item_key, unit) DO UPDATE SET"
        " requested = requested + excluded.requested, pledged = pledged + excluded.pledged,"
        " delivered = delivered + excluded.delivered,"
        " outstanding = outstanding + excluded.outstanding, lines = lines + excluded.lines,"
        " requests = requests + excluded.requests;"
    )


# The digest's totals per (item, unit) over open requests' catalogue lines, what its query
# summed over the ~275,000 open lines at 1,000,000 requests (100-270 ms). A line counts while
# request_items.request_open (v018, set by triggers with each status change) is 1; row by row
# (SQLite runs a row's AFTER triggers before the next row), so "no other open line" holds for
# the lines of one request flipped by one statement too.
TOTALS = f"""
CREATE TABLE open_item_totals (
    item_key    TEXT NOT NULL,
    unit        TEXT NOT NULL,
    requested   INTEGER NOT NULL,
    pledged     INTEGER NOT NULL,
    delivered   INTEGER NOT NULL,
    outstanding INTEGER NOT NULL,
    lines       INTEGER NOT NULL,
    requests    INTEGER NOT NULL,
    PRIMARY KEY (item_key, unit)
) WITHOUT ROWID;
INSERT INTO open_item_totals
    (item_key, unit, requested, pledged, delivered, outstanding, lines, requests)
    SELECT item_key, unit, SUM(quantity), SUM(pledged), SUM(delivered),
        SUM({_OUT.format(i="i")}), COUNT(*), COUNT(DISTINCT request_id)
    FROM request_items i INDEXED BY request_items_open_totals
    WHERE request_open = 1 AND item_key IS NOT NULL
    GROUP BY item_key, unit;

CREATE TRIGGER open_item_totals_on_line AFTER INSERT ON request_items
WHEN NEW.request_open = 1 AND NEW.item_key IS NOT NULL
BEGIN
    {_line_totals("NEW", "1")}
END;

CREATE TRIGGER open_item_totals_on_change
AFTER UPDATE OF request_open, quantity, pledged, delivered, item_key, unit ON request_items
WHEN OLD.request_open = 1 OR NEW.request_open = 1
BEGIN
    {_line_totals("OLD", "-1")}
    {_line_totals("NEW", "1")}
END;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
    await run_script(conn, TOTALS)


# On PostgreSQL only the indexes: the aggregates' triggers are SQLite's (a PL/pgSQL version is
# not written yet), so there the chart walks the history and the digest sums the open lines
# (storage.charts / storage.digests ask the connection's engine). The tables exist, empty, so
# `aidbridge migrate-data` finds every SQLite table on both sides; nothing reads them here.
PG_SCHEMA = f"""
CREATE INDEX status_events_at_kind ON status_events (at, kind, status, request_id);
DROP INDEX status_events_at;
CREATE INDEX requests_open_stale
    ON requests (urgency_rank, created_at, id, last_event_at, status, urgency, org_id)
    WHERE status IN {_OPEN};
CREATE TABLE request_open_changes (
    request_id  BIGINT NOT NULL REFERENCES requests(id),
    at          TEXT NOT NULL,
    change      INTEGER NOT NULL CHECK (change IN (-1, 1))
);
CREATE TABLE outstanding_changes (
    span        TEXT NOT NULL CHECK (span IN ('h', 'd', 'w', 'all')),
    bucket      TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    urgency     TEXT NOT NULL,
    outstanding BIGINT NOT NULL,
    lines       BIGINT NOT NULL,
    PRIMARY KEY (span, bucket, item_key, urgency)
);
CREATE TABLE open_item_totals (
    item_key    TEXT NOT NULL,
    unit        TEXT NOT NULL,
    requested   BIGINT NOT NULL,
    pledged     BIGINT NOT NULL,
    delivered   BIGINT NOT NULL,
    outstanding BIGINT NOT NULL,
    lines       BIGINT NOT NULL,
    requests    BIGINT NOT NULL,
    PRIMARY KEY (item_key, unit)
);
"""


async def upgrade_pg(conn: aiosqlite.Connection) -> None:
    await run_pg_script(conn, PG_SCHEMA)
