"""The comment engine: the pipeline, its doors, moderation services and commenters' pages."""
