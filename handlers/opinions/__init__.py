"""Opinions: writing one (anonymous or named), its receipt, the office's inbox, hot spots."""
