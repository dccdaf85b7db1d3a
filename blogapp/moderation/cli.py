"""Moderation commands (`comments purge`, `privacy export`); filled by the moderation work."""
