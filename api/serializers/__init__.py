"""How each resource reads in JSON, one module per app it comes from."""
