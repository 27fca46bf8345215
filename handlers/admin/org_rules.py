"""Registering an organisation: the field rules and create_organisation(), the one way in.

Admins add organisations from chat (/org_add, handlers/admin/organisations.py) and operators from
the shell (`aidbridge org add`, bot/cli.py). Both go through here, so both store the same cleaned
values and both leave the same audit row; only the wording of a refusal differs (the chat translates
it, the CLI prints it in English).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from storage import audit, organisations
from storage.db import Conn
from storage.models import Organisation, OrgKind
from storage.organisations import EDITABLE_FIELDS

# Longest value stored per text field (the EDRPOU code is exactly 8 digits).
MAX_LENGTH = {"name": 200, "raion": 100, "settlement": 100, "address": 300}
_EDRPOU = re.compile(r"^[0-9]{8}$")


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_CODE = "bad_code"


class FieldRefused(ValueError):
    """A typed value that cannot be stored in ``field``."""

    def __init__(self, field: str, problem: Problem) -> None:
        super().__init__(f"{field}: {problem.value}")
        self.field = field
        self.problem = problem


def clean_field(field: str, raw: str) -> str:
    """The value to store for a typed text field (name, raion, settlement, code, address).

    Raises FieldRefused. Line breaks and runs of spaces from a phone keyboard are not part of
    a name; an EDRPOU code may be typed in groups ("0123 4567").
    """
    if field == "code":
        digits = "".join(raw.split())
        if not _EDRPOU.match(digits):
            raise FieldRefused(field, Problem.BAD_CODE)
        return digits
    value = " ".join(raw.split())
    if not value:
        raise FieldRefused(field, Problem.EMPTY)
    if len(value) > MAX_LENGTH[field]:
        raise FieldRefused(field, Problem.TOO_LONG)
    return value


def field_value(org: Organisation, field: str) -> str | None:
    value = getattr(org, field)
    return value.value if isinstance(value, OrgKind) else value


async def create_organisation(
    conn: Conn,
    *,
    kind: OrgKind,
    name: str,
    raion: str,
    settlement: str,
    code: str | None,
    address: str | None,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
) -> Organisation:
    """Add the organisation and its ``org.add`` audit row, in the caller's transaction.

    ``actor_id``/``actor_label``: the admin (their member id and identity), or for the CLI
    no member and storage.audit.CLI_ACTOR. Values are cleaned here even when the caller
    checked them already, so no way in can store what the other would refuse; raises
    FieldRefused.
    """
    org = await organisations.add_organisation(
        conn,
        kind=kind,
        name=clean_field("name", name),
        raion=clean_field("raion", raion),
        settlement=clean_field("settlement", settlement),
        code=clean_field("code", code) if code is not None else None,
        address=clean_field("address", address) if address is not None else None,
        now=now,
    )
    fields = {f: field_value(org, f) for f in EDITABLE_FIELDS if field_value(org, f) is not None}
    await audit.add_audit(
        conn,
        actor_id=actor_id,
        actor_label=actor_label,
        action="org.add",
        target=audit.org_target(org.id),
        params={"fields": fields},
        now=now,
    )
    return org
