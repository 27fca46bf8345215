"""Joining with an invite, /lang, /whoami, what roles bring, and forgetting a person."""
