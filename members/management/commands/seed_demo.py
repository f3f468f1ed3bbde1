from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.demo import (
    DEMO_PASSWORD,
    MEMBER_EMAIL,
    ORGANISER_EMAIL,
    STAFF_EMAIL,
    demo_seeders,
    new_world,
)
from members.search import search_refresh_batch


class Command(BaseCommand):
    help = "Build the demo world of the source articles (idempotent: safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=200, help="Generated members to add (default 200)."
        )

    def handle(self, *args, members: int, **options):
        if not 0 <= members <= 100_000:
            raise CommandError("--members must be between 0 and 100000.")
        world = new_world(members=members, log=self.stdout.write)
        # One search refresh of every seeded profile at the end, not one per profile.
        with transaction.atomic(), search_refresh_batch():
            for _, name, seed in demo_seeders():
                self.stdout.write(f"Seeding {name}…")
                seed(world)
        self.stdout.write(self.style.SUCCESS("Demo world ready."))
        self.stdout.write(f"  staff login:  {STAFF_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  member login: {MEMBER_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  organiser login (BetaGroup Charleroi): {ORGANISER_EMAIL} / {DEMO_PASSWORD}"
        )
