"""The problem list: listing, claim and dispatch, progress, closure, extensions, look-backs."""
