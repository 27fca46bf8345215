"""Need-to-know: how much of a place each reader sees, in each view. The one written policy.

Hospital locations in a war zone are sensitive. The rule:
- the street address, the delivery place typed with a request and the exact settlement of the
  facility: admins, the requesting organisation's own members, and the carrier of a shipment
  that goes there (on its packing list);
- coordinators (and the donors they stand for): the organisation, its hromada and raion;
- anyone else: nothing about the place.

``detail()`` answers for a reader (their roles, whether the place is their own organisation's,
whether they carry a shipment there) and a view; views render through ``place_text()`` so
none decides on its own. tests/handlers/test_location_policy.py runs the matrix.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

from handlers.text.i18n import Language, Translator
from handlers.text.places import latin_beside, place_line
from storage.models import Organisation, Placement, Role


class Detail(IntEnum):
    """How much of a place a reader sees; each level includes the ones below it."""

    NONE = 0
    AREA = 1  # the organisation, its hromada and raion
    FULL = 2  # and the settlement, the facility's street address, the delivery place


class View(StrEnum):
    SHOW = "show"  # /show R-1042
    OPEN = "open"  # /open lists
    DIGEST = "digest"
    ALERT = "alert"  # a critical request's alert
    EXPORT = "export"
    PACKING_LIST = "packing_list"  # a shipment's list of stops
    ORGS = "orgs"  # /orgs and the /org card


_EVERY_VIEW = tuple(View)
# Role x view. Requesters read only their own organisation's requests, which ``own`` covers.
POLICY: dict[tuple[Role, View], Detail] = {
    **{(Role.ADMIN, v): Detail.FULL for v in _EVERY_VIEW},
    **{(Role.COORDINATOR, v): Detail.AREA for v in _EVERY_VIEW},
    **{(Role.REQUESTER, v): Detail.NONE for v in _EVERY_VIEW},
    # Donors hear which organisation their goods go to (handlers/offers), never its place.
    **{(Role.DONOR, v): Detail.NONE for v in _EVERY_VIEW},
}


def detail(
    roles: Iterable[Role], view: View, *, own: bool = False, carrier: bool = False
) -> Detail:
    """The detail a reader with ``roles`` sees in ``view``. ``own``: the place is their own
    organisation's; ``carrier``: they carry a shipment there (its packing list only)."""
    level = max((POLICY[(role, view)] for role in roles), default=Detail.NONE)
    if own or (carrier and view is View.PACKING_LIST):
        level = Detail.FULL
    return level


def area(place: Placement) -> Placement:
    """The hromada and raion of a place, without its settlement."""
    return Placement(raion_code=place.raion_code, hromada_code=place.hromada_code)


def place_text(
    t: Translator,
    lang: Language,
    level: Detail,
    org: Organisation,
    delivery_place: str | None = None,
) -> str | None:
    """Plain text (the caller escapes it): the place a reader at ``level`` may see (None:
    nothing). FULL: the delivery place as typed (else the organisation's address) and the
    settlement up to the raion; AREA: the hromada and raion only (an organisation not placed
    by code yet: its typed raion at most)."""
    if level is Detail.NONE:
        return None
    if org.place.outside_oblast:
        return latin_beside(org.settlement, lang)
    if level is Detail.AREA:
        if org.place.placed:
            return place_line(t, lang, area(org.place), html=False)
        return latin_beside(org.raion, lang) if org.raion else None
    if org.place.placed:
        where = place_line(t, lang, org.place, html=False)
    else:
        where = ", ".join(latin_beside(x, lang) for x in (org.settlement, org.raion) if x)
    exact = delivery_place or org.address
    return f"{latin_beside(exact, lang)} · {where}" if exact else where
