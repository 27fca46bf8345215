"""Filing a request: the /new wizard, the one-line /need reader, the catalog, units,
duplicates, submitting, the requester's own commands and the re-confirmation of quiet requests."""
