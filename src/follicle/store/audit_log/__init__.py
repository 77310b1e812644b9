"""The audit log's integrity: its hash chain (append, verify) and the checkpoints and
triggers that keep it append-only."""
