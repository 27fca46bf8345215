"""Admin commands: invites, organisations, people and roles, audit log, broadcast,
backup and statistics."""
