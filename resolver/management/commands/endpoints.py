import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection


def endpoints() -> dict:
    web = f"http://{settings.WEB_HOST}:{settings.WEB_PORT}/"
    return {
        "web": web,
        "admin": f"{web}admin/",
        "api": f"{web}api/v1/",
        "openapi": f"{web}api/schema/",
        "database": connection.vendor,
        "broker": settings.CELERY_BROKER_URL.split("@")[-1]
        if settings.REDIS_URL
        else f"filesystem:{settings.BROKER_DIR}",
        "queues": sorted({route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}),
    }


class Command(BaseCommand):
    help = "Print where every part of the emulator listens."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options) -> None:
        data = endpoints()
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        width = max(len(k) for k in data)
        for key, value in data.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            self.stdout.write(f"{key:<{width}}  {shown}")
