"""SQLite's dialect, as the repositories write it, said in PostgreSQL's: in one place.

The repositories (storage/*.py) keep one text per statement, written for SQLite. Run on
PostgreSQL each statement goes through ``translate`` once (cached): what differs between the
two engines in the SQL this project writes is rewritten here, token by token, never inside a
string literal. What it does not know how to say raises ``Untranslatable`` instead of sending
something that means a different thing.

Queries:
- ``?`` placeholders become ``$1, $2, ...``;
- ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING``;
- ``INDEXED BY name`` / ``NOT INDEXED`` (planner hints PostgreSQL has no use for) are dropped;
- ``IN (SELECT value FROM json_each(?))`` (a JSON list as a set) becomes ``= ANY($n)``, the
  parameter decoded into a list (``Translated.json_params``), its element type taken from the
  left side;
- ``MAX(a, b)`` / ``MIN(a, b)``, SQLite's scalar forms, become ``GREATEST`` / ``LEAST``;
- ``group_concat(x)`` becomes ``string_agg((x)::text, ',')``;
- a subquery in FROM or JOIN without a name gets one (PostgreSQL 15 requires it);
- ``+column`` (SQLite's hint not to use the column's index) loses its ``+``;
- ``? IS NULL``: a parameter whose type nothing else says is typed as text.
DDL (CREATE TABLE, ALTER TABLE ... ADD COLUMN), so most migrations need no second text:
- ``INTEGER PRIMARY KEY AUTOINCREMENT`` becomes a BIGINT identity column; INTEGER is BIGINT
  (SQLite's integers are 64-bit); BLOB is BYTEA; ``WITHOUT ROWID`` is dropped.
Triggers, SQLite's schema table and pragmas are not translated: a migration that uses them has
its own ``upgrade_pg`` (storage/migrations/__init__.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


class Untranslatable(ValueError):
    """A statement this module cannot say in PostgreSQL's dialect with the same meaning."""


@dataclass(frozen=True)
class Translated:
    sql: str
    # 0-based positions of parameters that hold a JSON list to pass as an array.
    json_params: frozenset[int]
    # The table an INSERT writes (for ``RETURNING id``), else None.
    insert_table: str | None
    returns_rows: bool


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*)
  | (?P<str>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<param>\?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>::|<>|!=|<=|>=|\|\||.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Words before a "+" that make it a unary plus.
_UNARY_CONTEXT = {"WHERE", "AND", "OR", "ON", "NOT", "SELECT", "WHEN", "THEN", "ELSE", "BY", "IN"}

# Words after a subquery's closing parenthesis that show it has no name of its own.
_NOT_ALIAS = {
    "WHERE",
    "GROUP",
    "ORDER",
    "LIMIT",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "CROSS",
    "FULL",
    "ON",
    "HAVING",
    "WINDOW",
    "OFFSET",
    "NATURAL",
}


@dataclass
class _Tok:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper()


def _tokens(sql: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "op"
        if kind != "comment":
            out.append(_Tok(kind, match.group()))
        pos = match.end()
    return out


def _next(toks: list[_Tok], i: int) -> int:
    """Index of the first token at or after ``i`` that is not white space (len when none)."""
    while i < len(toks) and toks[i].kind == "ws":
        i += 1
    return i


def _prev(toks: list[_Tok], i: int) -> int:
    """Index of the last token before ``i`` that is not white space (-1 when none)."""
    i -= 1
    while i >= 0 and toks[i].kind == "ws":
        i -= 1
    return i


def _close(toks: list[_Tok], open_at: int) -> int:
    """Index of the parenthesis closing the one at ``open_at``."""
    depth = 0
    for i in range(open_at, len(toks)):
        if toks[i].text == "(":
            depth += 1
        elif toks[i].text == ")":
            depth -= 1
            if depth == 0:
                return i
    raise Untranslatable("unbalanced parentheses")


def _words(toks: list[_Tok], i: int, *words: str) -> int | None:
    """If the non-space tokens from ``i`` are ``words`` (case-insensitive), the index after."""
    for word in words:
        i = _next(toks, i)
        if i >= len(toks) or toks[i].upper != word:
            return None
        i += 1
    return i


def _top_level_commas(toks: list[_Tok], open_at: int, close_at: int) -> bool:
    depth = 0
    for tok in toks[open_at + 1 : close_at]:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        elif tok.text == "," and depth == 0:
            return True
    return False


_JOIN_END = {"JOIN", "WHERE", "GROUP", "ORDER", "LIMIT", "UNION", "CROSS", "LEFT", "INNER"}


def _join_has_on(toks: list[_Tok], i: int) -> bool:
    """Whether the join whose table starts after ``i`` has an ON clause."""
    depth = 0
    for tok in toks[i:]:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and tok.kind == "word":
            if tok.upper == "ON":
                return True
            if tok.upper in _JOIN_END:
                return False
        elif depth == 0 and tok.text == ",":
            return False
    return False


def _ddl(toks: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind != "word":
            out.append(tok)
            i += 1
            continue
        after = _words(toks, i, "INTEGER", "PRIMARY", "KEY", "AUTOINCREMENT")
        if after is not None:
            out.append(_Tok("word", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"))
            i = after
            continue
        after = _words(toks, i, "WITHOUT", "ROWID")
        if after is not None:
            i = after
            continue
        if tok.kind == "word" and tok.upper == "INTEGER":
            out.append(_Tok("word", "BIGINT"))
        elif tok.kind == "word" and tok.upper == "BLOB":
            out.append(_Tok("word", "BYTEA"))
        elif tok.kind == "word" and tok.upper == "AUTOINCREMENT":
            raise Untranslatable("AUTOINCREMENT outside INTEGER PRIMARY KEY AUTOINCREMENT")
        else:
            out.append(tok)
        i += 1
    return out


@lru_cache(maxsize=2048)
def translate(sql: str) -> Translated:
    toks = _tokens(sql)
    first = _next(toks, 0)
    head = toks[first].upper if first < len(toks) else ""
    second = _next(toks, first + 1)
    head2 = toks[second].upper if second < len(toks) else ""
    if head in ("PRAGMA",) or (head == "CREATE" and head2 in ("TRIGGER", "VIRTUAL")):
        raise Untranslatable(f"{head} {head2}: give the migration an upgrade_pg")
    if head in ("CREATE", "ALTER"):
        toks = _ddl(toks)

    on_conflict_nothing = False
    insert_table: str | None = None
    if head in ("INSERT", "REPLACE"):
        if head == "REPLACE":
            raise Untranslatable("REPLACE INTO: say ON CONFLICT (...) DO UPDATE")
        after_or = _words(toks, first + 1, "OR")
        if after_or is not None:
            what = _next(toks, after_or)
            if toks[what].upper != "IGNORE":
                raise Untranslatable(f"INSERT OR {toks[what].text}: say ON CONFLICT")
            del toks[first + 1 : what + 1]
            on_conflict_nothing = True
        into = _words(toks, first + 1, "INTO")
        if into is not None:
            name = _next(toks, into)
            insert_table = toks[name].text.lower()

    out: list[_Tok] = []
    json_params: set[int] = set()
    param = 0
    subqueries = 0
    # Closing parentheses of subqueries in FROM/JOIN that need a name: index in toks.
    needs_alias: set[int] = set()
    # Closing parentheses said otherwise (group_concat's): index in toks -> text.
    closers: dict[int, str] = {}
    i = 0
    while i < len(toks):
        tok = toks[i]
        if i in closers:
            out.append(_Tok("op", closers.pop(i)))
            i += 1
            continue
        if tok.kind == "word":
            up = tok.upper
            after = _words(toks, i, "INDEXED", "BY")
            if after is not None:
                i = _next(toks, after) + 1  # the index's name
                continue
            after = _words(toks, i, "NOT", "INDEXED")
            if after is not None:
                i = after
                continue
            after = _words(toks, i, "IN", "(", "SELECT", "VALUE", "FROM", "JSON_EACH", "(", "?")
            if after is not None:
                end = _words(toks, after, ")", ")")
                if end is None:
                    raise Untranslatable("json_each(?) used other than as IN (SELECT value ...)")
                param += 1
                json_params.add(param - 1)
                out.append(_Tok("op", f"= ANY(${param})"))
                i = end
                continue
            if up in ("MAX", "MIN"):
                paren = _next(toks, i + 1)
                if paren < len(toks) and toks[paren].text == "(":
                    close = _close(toks, paren)
                    if _top_level_commas(toks, paren, close):
                        out.append(_Tok("word", "GREATEST" if up == "MAX" else "LEAST"))
                        i += 1
                        continue
            if up == "GROUP_CONCAT":
                # SQLite's group_concat(x): the values joined by commas.
                paren = _next(toks, i + 1)
                if paren >= len(toks) or toks[paren].text != "(":
                    raise Untranslatable("group_concat without its argument")
                close = _close(toks, paren)
                if _top_level_commas(toks, paren, close):
                    raise Untranslatable("group_concat(x, separator): say it with one argument")
                out.append(_Tok("word", "STRING_AGG"))
                out.append(_Tok("op", "(("))
                closers[close] = ")::text, ',')"
                i = paren + 1
                continue
            if up == "CROSS":
                join = _words(toks, i, "CROSS", "JOIN")
                if join is not None and _join_has_on(toks, join):
                    # SQLite's CROSS JOIN ... ON: an inner join in a fixed order.
                    out.append(_Tok("word", "JOIN"))
                    i = join
                    continue
            if up == "IS":
                # SQLite's "a IS ?" / "a IS NOT ?": equality that holds for NULLs too.
                negated = _words(toks, i, "IS", "NOT")
                operand = _next(toks, negated if negated is not None else i + 1)
                if operand < len(toks) and toks[operand].kind == "param":
                    out.append(
                        _Tok("word", "IS DISTINCT FROM" if negated else "IS NOT DISTINCT FROM")
                    )
                    out.append(_Tok("ws", " "))
                    i = operand
                    continue
            if up == "JSON_EACH":
                raise Untranslatable("json_each(?) used other than as IN (SELECT value ...)")
            out.append(tok)
            i += 1
            continue
        if tok.text == "(":
            before = _prev(toks, i)
            inner = _next(toks, i + 1)
            if (
                before >= 0
                and toks[before].upper in ("FROM", "JOIN")
                and inner < len(toks)
                and toks[inner].upper in ("SELECT", "WITH", "VALUES")
            ):
                close = _close(toks, i)
                following = _next(toks, close + 1)
                if following >= len(toks) or (
                    toks[following].kind != "word" or toks[following].upper in _NOT_ALIAS
                ):
                    needs_alias.add(close)
        if tok.text == "+" and i + 1 < len(toks) and toks[i + 1].kind == "word":
            before = _prev(toks, i)
            if before < 0 or toks[before].upper in _UNARY_CONTEXT or toks[before].text in "(,":
                # SQLite's "+column": a planner hint that the column's index is not to be
                # used; PostgreSQL has no unary plus on text, and no use for the hint.
                i += 1
                continue
        if tok.kind == "param":
            param += 1
            nxt = _words(toks, i + 1, "IS")
            text = f"${param}"
            if nxt is not None:
                text += "::text"  # nothing else says its type
            out.append(_Tok("param", text))
            i += 1
            continue
        out.append(tok)
        if i in needs_alias:
            subqueries += 1
            out.append(_Tok("word", f" AS _sub{subqueries}"))
        i += 1

    sql_out = "".join(t.text for t in out).strip().rstrip(";")
    returns_rows = head in ("SELECT", "WITH", "VALUES")
    if on_conflict_nothing:
        match = re.search(r"\sRETURNING\s", sql_out, re.IGNORECASE)
        at = match.start() if match else len(sql_out)
        sql_out = sql_out[:at] + " ON CONFLICT DO NOTHING" + sql_out[at:]
    if re.search(r"\sRETURNING\s", sql_out, re.IGNORECASE):
        returns_rows = True
    return Translated(sql_out, frozenset(json_params), insert_table, returns_rows)
