"""The file's columns, shared by the import and the export."""

REQUIRED = ("email", "name")
COLUMNS = (
    "email",
    "name",
    "headline",
    "job_title",
    "company",
    "city",
    "region",
    "phone",
    "website",
    "linkedin",
    "languages",
    "skills",
    "offers",
    "seeks",
    "home_space",
    "plan",
    "member_since",
)
# Written by the export for information; accepted and ignored by the import.
EXPORT_ONLY = ("visibility", "date_joined", "last_login")
LIST_SEP = ";"
