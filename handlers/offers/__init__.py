"""Donors' offers (issue 15): /offer, /offers, /withdraw O-7, /matches, /allocate."""
