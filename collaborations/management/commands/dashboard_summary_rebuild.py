"""Recount the dashboard's tallies from the ledger (after bulk imports or a restore)."""

from django.core.management.base import BaseCommand

from collaborations.services import summary_rebuild


class Command(BaseCommand):
    help = "Rebuild the micro-economy dashboard's tallies from the collaboration ledger."

    def handle(self, *args, **options):
        rows = summary_rebuild()
        self.stdout.write(f"Dashboard tallies rebuilt: {rows} rows.")
