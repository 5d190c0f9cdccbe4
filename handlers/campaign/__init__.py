"""The campaign around the problems: calendar (meetings, phases), evaluations, self-checks."""
