from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from insight_hub.themes.api import token_create


class Command(BaseCommand):
    help = "Make a token for the prediction API (/api/v1/predict). It is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="email address of the token's owner")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'survey vendor'")

    def handle(self, *args, user, name, **options):
        owner = get_user_model().objects.filter(username=user.lower(), is_active=True).first()
        if owner is None:
            raise CommandError(f"No active user with email address {user}")
        self.stdout.write(token_create(user=owner, name=name))
