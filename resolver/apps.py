from django.apps import AppConfig


class ResolverConfig(AppConfig):
    name = "resolver"
    verbose_name = "Resolver and nameserver rental"

    def ready(self) -> None:
        from resolver import aws

        aws.register()
