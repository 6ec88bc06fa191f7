from django.apps import AppConfig


class RegistrarConfig(AppConfig):
    name = "registrar"
    verbose_name = "Registrar"

    def ready(self) -> None:
        from config import problems
        from registrar import aws, services
        from resolver import ownership

        services.register_sweeps()
        # A path under the customer API that no route matches is a problem of that API too.
        problems.mount("/api/v1/", problems.CUSTOMER_API)
        # The rental service asks us who holds a name before it makes its hosted zone.
        ownership.register(services.holds_any)
        aws.register()  # Route 53 Domains' API
