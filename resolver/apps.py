from django.apps import AppConfig


class ResolverConfig(AppConfig):
    name = "resolver"
    verbose_name = "Resolver and nameserver rental"

    def ready(self) -> None:
        from django.core.exceptions import ImproperlyConfigured

        from resolver import aws, services

        aws.register()
        try:
            services.check_secondaries_settings()
        except services.ZoneRejected as exc:
            raise ImproperlyConfigured(str(exc)) from None
