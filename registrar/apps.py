from django.apps import AppConfig


class RegistrarConfig(AppConfig):
    name = "registrar"
    verbose_name = "Registrar"

    def ready(self) -> None:
        from registrar import lifecycle

        lifecycle.register_sweeps()
