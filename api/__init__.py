"""The read-only REST API (/api/v1/) and the personal tokens that open it to members."""
