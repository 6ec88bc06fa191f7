from django.apps import AppConfig


class RegistrarConfig(AppConfig):
    name = "registrar"
    verbose_name = "Registrar"

    def ready(self) -> None:
        from registrar import services
        from resolver import ownership

        services.register_sweeps()
        # The rental service asks us who holds a name before it makes its hosted zone.
        ownership.register(services.holds_any)
