"""The first schema: organisations, members, invites, requests, conversations, outbox, audit."""

from __future__ import annotations

import aiosqlite

from storage.pg import run_pg_script
from storage.sqlscript import run_script

SCHEMA = """
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('hospital','municipality','ngo','coordination')),
    name        TEXT NOT NULL,
    code        TEXT,
    raion       TEXT NOT NULL,
    settlement  TEXT NOT NULL,
    address     TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE members (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    transport     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    chat_id       TEXT NOT NULL,
    org_id        INTEGER REFERENCES organisations(id),
    roles         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'uk',
    display_name  TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT,
    UNIQUE (transport, user_id)
);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash   TEXT NOT NULL UNIQUE,
    code_hint   TEXT NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organisations(id),
    role        TEXT NOT NULL CHECK (role IN ('requester','coordinator','admin')),
    expires_at  TEXT NOT NULL,
    created_by  INTEGER REFERENCES members(id),
    used_by     INTEGER REFERENCES members(id),
    used_at     TEXT,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id          INTEGER NOT NULL REFERENCES organisations(id),
    created_by      INTEGER REFERENCES members(id),
    urgency         TEXT NOT NULL CHECK (urgency IN ('critical','high','normal','low')),
    needed_by       TEXT,
    delivery_place  TEXT,
    note            TEXT,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX requests_org_status ON requests (org_id, status);
CREATE INDEX requests_status_urgency ON requests (status, urgency, created_at);

CREATE TABLE request_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    position    INTEGER NOT NULL,
    item_key    TEXT,
    free_text   TEXT,
    spec        TEXT,
    quantity    INTEGER NOT NULL CHECK (quantity > 0 AND quantity <= 1000000),
    unit        TEXT NOT NULL,
    pledged     INTEGER NOT NULL DEFAULT 0,
    delivered   INTEGER NOT NULL DEFAULT 0,
    CHECK (item_key IS NOT NULL OR free_text IS NOT NULL)
);
CREATE INDEX request_items_request ON request_items (request_id);

CREATE TABLE status_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    status      TEXT NOT NULL,
    actor_id    INTEGER REFERENCES members(id),
    note        TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX status_events_request ON status_events (request_id, at);
CREATE INDEX status_events_at ON status_events (at);

CREATE TABLE conversations (
    transport   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    flow        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (transport, chat_id, user_id)
);

-- The options last shown to a chat on a platform without buttons, so "2" can mean option 2.
CREATE TABLE chat_menus (
    transport   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    choices     TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (transport, chat_id)
);

CREATE TABLE processed_updates (
    transport     TEXT NOT NULL,
    update_id     TEXT NOT NULL,
    processed_at  TEXT NOT NULL,
    PRIMARY KEY (transport, update_id)
) WITHOUT ROWID;
CREATE INDEX processed_updates_at ON processed_updates (processed_at);

CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    transport      TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    member_id      INTEGER REFERENCES members(id),
    kind           TEXT NOT NULL DEFAULT 'notice',
    text           TEXT NOT NULL,
    choices        TEXT,
    document_name  TEXT,
    document_mime  TEXT,
    document       BLOB,
    created_at     TEXT NOT NULL,
    not_before     TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    sent_at        TEXT,
    failed_at      TEXT,
    last_error     TEXT
);
CREATE INDEX outbox_pending ON outbox (not_before) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id     INTEGER REFERENCES members(id),
    actor_label  TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT,
    summary      TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);

-- The audit log is append-only, enforced by the database itself.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)

    # People read ids aloud on the phone: start at R-1001 so every id has four digits.
    await conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('requests', 1000)")


# PostgreSQL: the tables as above (translated), the append-only audit log as PL/pgSQL, and the
# few SQL functions SQLite has (or is given from Python) that the repositories' queries call.
PG_SCHEMA = r"""
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- storage.requests.fold_text / storage.digests._fold: case and spacing folded (the
-- database's C.UTF-8 lower() folds Cyrillic).
CREATE FUNCTION aidbridge_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(btrim(regexp_replace(t, '\s+', ' ', 'g'))) $$;
-- SQLite's total(): a float sum, 0.0 over no rows.
CREATE AGGREGATE total(double precision) (
    SFUNC = float8pl, STYPE = double precision, INITCOND = '0');
-- SQLite's MIN/MAX over a comparison (0/1 there, boolean here).
CREATE AGGREGATE min(boolean) (SFUNC = booland_statefunc, STYPE = boolean);
CREATE AGGREGATE max(boolean) (SFUNC = boolor_statefunc, STYPE = boolean);
-- SQLite's SUM over a comparison counts the rows where it holds (NULL over none, as SUM).
CREATE FUNCTION aidbridge_count_true(acc bigint, b boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN b IS NULL THEN acc ELSE COALESCE(acc, 0) + b::int END $$;
CREATE AGGREGATE sum(boolean) (SFUNC = aidbridge_count_true, STYPE = bigint);

-- People read ids aloud on the phone: start at R-1001 so every id has four digits.
ALTER TABLE requests ALTER COLUMN id RESTART WITH 1001;
"""


async def upgrade_pg(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA, skip_triggers=True)
    await run_pg_script(conn, PG_SCHEMA)
