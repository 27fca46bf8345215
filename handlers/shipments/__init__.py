"""Shipments (issue 14): the weekly truck from pledge to signed receipt."""
