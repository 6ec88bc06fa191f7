"""Accounts for Route 53's API from the command line: fresh ones with their keys (a test
suite takes one per test), and a reset that empties one."""

import json
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config.aws import keys
from config.aws.errors import AwsError
from resolver import rental


class Command(BaseCommand):
    help = "Make fresh accounts with AWS access keys, or empty an account (by one of its key ids)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="new accounts, each with one access key")
        create.add_argument("--count", type=int, default=1, help="how many (default 1)")
        create.add_argument("--json", action="store_true", help="one JSON list for scripts")
        reset = sub.add_parser("reset", help="delete every zone, record set, health check, delegation set and tag")
        reset.add_argument("access_key_id")

    def handle(self, *args, **options) -> None:
        if options["action"] == "reset":
            try:
                account = keys.key_for(options["access_key_id"]).user
            except AwsError as exc:
                raise CommandError(f"{options['access_key_id']}: {exc.message}") from None
            removed = rental.reset_account(account)
            self.stdout.write(f"{account.get_username()}: {removed} hosted zones and health checks deleted")
            return
        if not 1 <= options["count"] <= 1000:
            raise CommandError("--count: 1 to 1000")
        made = []
        with transaction.atomic():
            for _ in range(options["count"]):
                user = get_user_model().objects.create_user(f"aws-{secrets.token_hex(6)}")
                key = keys.create_access_key(user)
                made.append(
                    {
                        "username": user.username,
                        "access_key_id": key.access_key_id,
                        "secret_access_key": key.secret_access_key,
                    }
                )
        if options["json"]:
            self.stdout.write(json.dumps(made, indent=2))
        else:
            for entry in made:
                self.stdout.write(f"{entry['username']}  {entry['access_key_id']}  {entry['secret_access_key']}")
