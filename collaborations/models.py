"""The collaboration ledger."""
