import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from config import metrics
from config.aws import keys


def endpoints() -> dict:
    plan = settings.NETWORK_PLAN
    web = f"http://{settings.WEB_HOST}:{settings.WEB_PORT}/"
    return {
        "web": web,
        "admin": f"{web}admin/",
        "api": f"{web}api/v1/",
        "openapi": f"{web}api/schema/",
        "registry_api": f"{web}api/registry/v1/",
        "registry_api_docs": f"{web}api/registry/v1/docs/",
        "rdap": f"{web}rdap/",
        "database": connection.vendor,
        "broker": settings.CELERY_BROKER_URL.split("@")[-1]
        if settings.REDIS_URL
        else f"filesystem:{settings.BROKER_DIR}",
        "queues": sorted({route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}),
        **plan.as_dict(),
        "trace": f"{web}dns/trace/",
        # Route 53's API at the web app's address, and the demo customer's keys for it.
        "aws": {
            "endpoint_url": web.rstrip("/"),
            "region": keys.REGION,
            "access_key_id": keys.DEMO_ACCESS_KEY_ID,
            "secret_access_key": keys.DEMO_SECRET_ACCESS_KEY,
        },
        # Prometheus metrics: process name -> URL (config.metrics).
        "metrics": metrics.urls(settings.WORKER_CONCURRENCY),
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
        rows = []
        for key, value in data.items():
            if key == "tld_servers":
                rows += [(f"tld_servers {tld}", _servers(servers)) for tld, servers in value.items()]
            elif key in ("root_servers", "rental_nameservers"):
                rows.append((key, _servers(value)))
            elif key == "regions":
                rows.append((key, ", ".join(f"{r['name']} {' '.join(r['networks'])}" for r in value)))
            elif key == "latency":
                continue  # the round trips between regions: see --json
            elif key == "origins":
                rows.append((key, ", ".join(f"{o['name']} http://{o['address']}:{o['port']}/" for o in value)))
            elif key == "resolver":
                control = settings.RESOLVER_CONTROL_PORT
                rows.append((key, f"{value['address']} port {value['port']} (control channel on port {control})"))
            elif key == "epp":
                rows.append((key, f"{value['address']} port {value['port']} (TLS)"))
            elif key == "whois":
                rows.append((key, f"{value['address']} port {value['port']}"))
            elif key == "aws":
                rows.append(
                    (key, f"AWS_ENDPOINT_URL={value['endpoint_url']} (Route 53; demo key {value['access_key_id']})")
                )
            elif key == "metrics":
                rows.append((key, ", ".join(f"{name} {url}" for name, url in value.items())))
            elif isinstance(value, list):
                rows.append((key, ", ".join(value)))
            else:
                rows.append((key, str(value)))
        width = max(len(k) for k, _ in rows)
        for key, shown in rows:
            self.stdout.write(f"{key:<{width}}  {shown}")


def _servers(servers: list[dict]) -> str:
    return ", ".join(f"{s['name']} {s['address']}" for s in servers)
