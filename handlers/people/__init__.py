"""People: joining, the roster and invitations, who is who, one's profile."""
