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
from storage.models import Organisation, OrgKind, Placement
from storage.organisations import EDITABLE_FIELDS
from storage.places.placing import place_texts

# The raion text of an organisation outside the oblast (no raion of ours describes it).
ABROAD_RAION = "—"

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
    place: Placement,
    code: str | None,
    address: str | None,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
    abroad: str | None = None,
) -> Organisation:
    """Add the organisation and its ``org.add`` audit row, in the caller's transaction.

    ``place`` is by code (at least the hromada), or outside the oblast with ``abroad`` naming
    the place ("Köln"). The raion and settlement text columns are filled from it.
    ``actor_id``/``actor_label``: the admin (their member id and identity), or for the CLI
    no member and storage.audit.CLI_ACTOR. Values are cleaned here even when the caller
    checked them already, so no way in can store what the other would refuse; raises
    FieldRefused (ValueError for a place that is not placed).
    """
    if place.outside_oblast:
        raion, settlement = ABROAD_RAION, clean_field("settlement", abroad or "")
    elif place.placed:
        raion, settlement = place_texts(place)
    else:
        raise ValueError("an organisation is added with its hromada, or as outside the oblast")
    org = await organisations.add_organisation(
        conn,
        kind=kind,
        name=clean_field("name", name),
        raion=raion,
        settlement=settlement,
        code=clean_field("code", code) if code is not None else None,
        address=clean_field("address", address) if address is not None else None,
        now=now,
        place=place,
    )
    fields = {f: field_value(org, f) for f in EDITABLE_FIELDS if field_value(org, f) is not None}
    codes = [place.raion_code, place.hromada_code, place.settlement_code]
    where = "abroad" if place.outside_oblast else " ".join(c for c in codes if c)
    await audit.add_audit(
        conn,
        actor_id=actor_id,
        actor_label=actor_label,
        action="org.add",
        target=audit.org_target(org.id),
        params={"fields": fields, "place": where},
        now=now,
    )
    return org
