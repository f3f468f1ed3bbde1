"""The API's endpoints, one module per resource (base.py holds what they share)."""
