"""What people read: the ledger, digests, exports."""
