"""`manage.py speed_networking_plan <event-slug> --rounds R [--table-size k] [--minutes m]`:
plan (or re-plan the unplayed rounds of) a Speed Networking evening from the people checked
in, and print the plan with the planner's figures. For staff and scripts: it runs as a trusted
caller, with no permission check, and prints every name."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from events.models import Event
from events.speed_networking import display, selectors, services


class Command(BaseCommand):
    help = "Plan the rounds of a Speed Networking evening from the people checked in."

    def add_arguments(self, parser):
        parser.add_argument("event", help="The event's slug.")
        parser.add_argument("--rounds", type=int, required=True, help="Rounds in all (1-12).")
        parser.add_argument(
            "--table-size", type=int, default=2, help="People per table, 2-6 (default 2)."
        )
        parser.add_argument("--minutes", type=int, default=6, help="Minutes per round.")

    def handle(self, *args, event: str, rounds: int, table_size: int, minutes: int, **options):
        found = Event.objects.select_related("kind").filter(slug=event).first()
        if found is None:
            raise CommandError(f"No event with the slug {event!r}.")
        try:
            outcome = services.networking_plan(
                event=found,
                actor=None,
                rounds=rounds,
                table_size=table_size,
                round_minutes=minutes,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._print(found, outcome)

    def _print(self, event: Event, outcome: services.PlanOutcome) -> None:
        plan = outcome.plan
        write = self.stdout.write
        write(self.style.SUCCESS(f"{event.title} ({event.slug}): {len(plan.rounds)} rounds"))
        for r in selectors.rounds_view(outcome.session, viewer=selectors.EVERYONE):
            played = " (played)" if r.is_played else ""
            write(f"Round {r.number}{played}")
            for table in r.tables:
                write(f"  Table {table.number}: " + " · ".join(p.name for p in table.people))
        write(
            f"People seated: {outcome.people}; guests left out: {outcome.guests_left_out}\n"
            f"Repeats within the session: {plan.repeats}\n"
            f"Pairs who met before or work together: {plan.history_repeats}\n"
            f"Requests honoured: {plan.requests_honoured}\n"
            f"Offer-seek matches honoured: {plan.matches_honoured}\n"
            f"Colleague pairs: {plan.colleague_pairs}"
        )
        for text in display.note_texts(outcome.session, viewer=selectors.EVERYONE):
            write(self.style.WARNING(f"Warning: {text}"))
