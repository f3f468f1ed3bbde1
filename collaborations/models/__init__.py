"""The ledger's models: collaborations, their parties and history (`core`), and the running
tallies the dashboard reads (`summary`)."""

from .core import (
    MAX_VALUE_EUR,
    Collaboration,
    CollaborationHistory,
    CollaborationQuerySet,
    Participant,
    organisation_key,
)
from .summary import DashboardGeneration, DashboardSnapshot, DashboardTally

__all__ = [
    "MAX_VALUE_EUR",
    "Collaboration",
    "CollaborationHistory",
    "CollaborationQuerySet",
    "DashboardGeneration",
    "DashboardSnapshot",
    "DashboardTally",
    "Participant",
    "organisation_key",
]
