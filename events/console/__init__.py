"""The organiser console (/organise/): views, forms, services and messages (see views.py)."""
