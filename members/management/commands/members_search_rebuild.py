from django.core.management.base import BaseCommand

from members.search import profile_search_refresh
from members.search_counts import profile_counts_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every profile's search document and directory card (set-based, safe), and "
        "on PostgreSQL the profile counts kept per visibility and per facet."
    )

    def handle(self, *args, **options):
        done = profile_search_refresh()
        self.stdout.write(self.style.SUCCESS(f"{done} profiles refreshed."))
        if profile_counts_rebuild():
            self.stdout.write(self.style.SUCCESS("Profile counts recounted."))
