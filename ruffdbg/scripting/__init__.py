"""Scripted sessions: ``.rdbg`` transcripts replayed through the REPL's Shell, and the
pytest plugin that collects them."""
