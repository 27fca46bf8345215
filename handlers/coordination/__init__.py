"""What coordinators read: subscriptions, digests (text and jobs), charts, the
HXL exports and the file renderers' interface."""
