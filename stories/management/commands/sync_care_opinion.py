import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from insight_hub.organisations.models import ICS, Membership, Role
from stories.care_opinion.models import DEFAULT_CONSENT_BASIS, RunStatus
from stories.care_opinion.sync import SyncBusy, care_opinion_sync, consent_declare


class Command(BaseCommand):
    help = (
        "Bring in the stories published on Care Opinion about each ICS's organisations (API v2, "
        "CARE_OPINION_API_KEY), from where the last run stopped. Exits non-zero when a run fails or stops "
        "on a fault; its position is kept, so running it again resumes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ics", type=int, help="Only this ICS (its id); default: every ICS")
        parser.add_argument(
            "--since", type=dt.date.fromisoformat, help="Where a first run starts (YYYY-MM-DD); default: all"
        )
        parser.add_argument(
            "--declare-consent",
            metavar="EMAIL",
            help="Record, as this ICB lead or system administrator, the consent basis synced stories carry",
        )
        parser.add_argument("--basis", default=DEFAULT_CONSENT_BASIS, help="The consent basis declared")

    def handle(self, *args, ics=None, since=None, declare_consent=None, basis="", **options):
        systems = ICS.objects.select_related("icb").order_by("pk")
        if ics is not None:
            systems = systems.filter(pk=ics)
            if not systems.exists():
                raise CommandError(f"There is no ICS with id {ics}")
        if declare_consent:
            for system in systems:
                self._declare(system, declare_consent, basis)
            return
        if not settings.CARE_OPINION_API_KEY:
            raise CommandError("CARE_OPINION_API_KEY is not set: there is no key to ask Care Opinion with")
        start = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC) if since else None
        failed = []
        for system in systems:
            try:
                run = care_opinion_sync(ics=system, since=start)
            except SyncBusy as exc:
                failed.append(str(exc))
                continue
            summary = (
                f"{system}: {run.fetched} fetched, {run.created} created, {run.updated} updated, "
                f"{run.unchanged} unchanged, {run.outside} outside the ICS, {run.skipped} skipped "
                f"({run.requests} requests)"
            )
            for problem in run.errors:
                self.stderr.write(f"  {problem}")
            if run.status == RunStatus.SUCCEEDED:
                self.stdout.write(self.style.SUCCESS(summary))
            else:
                self.stdout.write(summary)
                failed.append(f"{system}: {run.message}")
        if failed:
            raise CommandError("\n".join(failed))

    def _declare(self, system, email, basis):
        person = get_user_model().objects.filter(username=email).first()
        allowed = Membership.objects.filter(
            user=person, organisation=system.icb, role__in=[Role.ICB_LEAD, Role.SYSTEM_ADMIN]
        ).exists()
        if person is None or not allowed:
            raise CommandError(f"{email} is not an ICB lead or system administrator of {system}")
        try:
            consent_declare(ics=system, user=person, basis=basis)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{system}: synced stories will record “{basis}”"))
