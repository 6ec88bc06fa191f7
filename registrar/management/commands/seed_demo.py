from django.core.management.base import BaseCommand

from config.money import format_money
from registrar import demo as registrar_demo
from registry import demo as registry_demo
from registry import zones
from resolver import demo as resolver_demo


class Command(BaseCommand):
    help = "Load the demo TLDs, registrars, customer, operator account and DNS zones (safe to run again)."

    def handle(self, *args, **options) -> None:
        registrars = registry_demo.seed()
        registrar_demo.seed()
        resolver_demo.seed()
        zone = resolver_demo.seed_zone(registrar_demo.demo_customer().user)
        # With no nameservers of its own, the order delegates to the customer's hosted zone.
        order = registrar_demo.order_demo_domain(resolver_demo.DEMO_DOMAIN)
        # Build the root and every TLD zone now (queued for the worker), so a fresh
        # start serves the whole chain.
        zones.request_all()

        balances = registry_demo.balances()
        self.stdout.write("Demo data is loaded. Registrars (EPP login / password, API token, balance):")
        for r in registrars:
            self.stdout.write(
                f"  {r.client_id:<10} {r.epp_password:<20} {r.api_token}  {format_money(balances[r.client_id])}"
            )
        c, o = registrar_demo.DEMO_CUSTOMER, registrar_demo.DEMO_OPERATOR
        self.stdout.write(f"Customer: {c['username']} / {c['password']} (API token {c['token']})")
        self.stdout.write(f"Registry operator (admin): {o['username']} / {o['password']}")
        self.stdout.write(
            f"Demo domain: {resolver_demo.DEMO_DOMAIN} (order {order.pk}, {order.state.lower()}), "
            f"hosted zone {zone.pk} served by {', '.join(n.rstrip('.') for n in zone.nameservers)}"
        )
