"""Where a place shows as much as its reader may see (handlers/core/location_policy.py): the
packing list's place column (handlers/shipments/packing_list.py)."""

UK: dict[str, str] = {
    "ship.pl.col.place": "Місце",
}

DE: dict[str, str] = {
    "ship.pl.col.place": "Ort",
}

EN: dict[str, str] = {
    "ship.pl.col.place": "Place",
}
