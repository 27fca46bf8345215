"""handlers/ reaches the database only through its turn or job (issue 11).

A handler module imports neither the driver (aiosqlite) nor the repositories that the door
itself owns (storage.conversations: turn.flow; storage.outbox: turn.notify and the Reply
codec), holds no SQL and runs none: queries are storage's repository functions. The scan reads
every module under handlers/ with ``ast``, so comments never count and strings split across
lines, f-strings and ``+`` still do.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "handlers"

FORBIDDEN_MODULES = ("aiosqlite", "storage.conversations", "storage.outbox")
# A statement keyword, then (anywhere after it in the same literal) the word that makes it SQL,
# in capitals as SQL is written here; in any case, the pairs that no sentence of the bot's
# messages forms ("delete my data from the bot" is a sentence, "delete from outbox" is not).
SQL = (
    re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE)\b.*?\b(?:FROM|INTO|SET|WHERE)\b", re.S),
    re.compile(r"\b(?:delete\s+from|insert\s+(?:or\s+\w+\s+)?into|update\s+\w+\s+set)\s+\w", re.I),
)
# What a handler would call to run SQL on a connection it was handed.
EXECUTES = frozenset({"execute", "executemany", "executescript", "execute_fetchall"})


def forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN_MODULES)


def bad_imports(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if forbidden(node.module):
                found.append(node.module)
            else:
                # from storage import outbox
                found += [
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if forbidden(f"{node.module}.{alias.name}")
                ]
    return found


def _text(node: ast.expr) -> str | None:
    """The literal text of a string expression, placeholders as {}; None if it is not one."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is None and right is None:
            return None
        return (left or "{}") + (right or "{}")
    return None


def docstrings(tree: ast.AST) -> set[int]:
    """The docstrings' nodes: prose about the code, never run."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ) and (
            node.body
            and isinstance(first := node.body[0], ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            found.add(id(first.value))
    return found


def string_literals(tree: ast.AST) -> Iterator[str]:
    """Each string expression once, at its widest: "SELECT id" + " FROM x" is one."""
    inside = docstrings(tree)
    for node in ast.walk(tree):  # breadth first: a sum is met before its parts
        if id(node) in inside or not isinstance(node, ast.expr):
            continue
        text = _text(node)
        if text is None:
            continue
        inside.update(id(sub) for sub in ast.walk(node))
        yield text


def sql_strings(tree: ast.AST) -> list[str]:
    return [
        " ".join(s.split())[:80]
        for s in string_literals(tree)
        if any(pattern.search(s) for pattern in SQL)
    ]


def sql_calls(tree: ast.AST) -> list[str]:
    return [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in EXECUTES
    ]


def offences(source: str) -> list[str]:
    tree = ast.parse(source)
    return (
        [f"imports {m}" for m in bad_imports(tree)]
        + [f"SQL {s!r}" for s in sql_strings(tree)]
        + [f"calls .{c}()" for c in sql_calls(tree)]
    )


def test_the_scanner_recognises_what_it_must_refuse() -> None:
    """Without this, a scanner that matched nothing would pass the test below for ever."""
    bad = [
        "import aiosqlite",
        "import aiosqlite as sql",
        "from aiosqlite import Connection",
        "from storage import conversations",
        "from storage import members, outbox",
        "from storage.outbox import add_outbox",
        "import storage.conversations",
        "if TYPE_CHECKING:\n    import aiosqlite",
        'rows = await fetch_all(conn, "SELECT id FROM requests WHERE x = ?", [])',
        'sql = "delete " "from requests where id = ?"',
        "sql = 'insert or ignore into members (id) values (?)'",
        'sql = "update requests set x = 1"',
        'sql = f"SELECT {cols} FROM members"',
        'sql = "UPDATE requests" + " SET reconfirm_asked_at = ?"',
        'q = ("DELETE FROM conversations "\n     "WHERE transport = ?")',
        'q = "INSERT INTO audit (x) VALUES (?)"',
        "await conn.execute(query, args)",
        "await turn.conn.execute_fetchall(query)",
    ]
    for text in bad:
        assert offences(text), text
    fine = [
        "from storage import audit, members, requests",
        "from storage.db import Conn",
        "from handlers.core.events import Reply",
        "# SELECT id FROM requests (a comment is not code)",
        'text = "Select one of the options below"',
        'text = "delete my data from the bot"',
        'text = "Update the request: set a new date"',
        'def f() -> None:\n    """SELECT id FROM requests is storage\'s business."""',
        'text = "Оберіть категорію"',
        'label = "Delete"',
        "await turn.notify(member, reply)",
    ]
    for text in fine:
        assert not offences(text), text


def test_no_handler_module_touches_the_database_but_through_its_turn() -> None:
    sources = sorted(HANDLERS.rglob("*.py"))
    assert len(sources) > 30  # the scan really read the package
    assert any(p.name == "engine.py" for p in sources)
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sources
        if (hits := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}
