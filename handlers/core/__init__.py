"""The conversation machinery: the engine, the turn, events, the registry, limits,
flow state, menus, the room policy and notifications."""
