from django.core.management.base import BaseCommand

from members.search import profile_search_refresh


class Command(BaseCommand):
    help = "Rebuild every profile's search document and directory card (set-based, safe)."

    def handle(self, *args, **options):
        done = profile_search_refresh()
        self.stdout.write(self.style.SUCCESS(f"{done} profiles refreshed."))
