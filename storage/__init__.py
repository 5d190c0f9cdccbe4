"""The model: tables, migrations and the functions that change them, one transaction each.

Nothing here imports `telegram`; handlers and jobs call in, never the other way round.
"""
