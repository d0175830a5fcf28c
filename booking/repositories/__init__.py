"""Queries and locks. Services call these; nothing else touches SQL."""
