from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from config import clock, problems
        from registry import services
        from registry.api.problems import CATALOG

        problems.mount("/api/registry/", CATALOG)

        # What the registry does as time passes, in this order at any one moment.
        clock.register(
            clock.Sweep("registry.transfers", services.next_transfer_decision, services.approve_due_transfers)
        )
        clock.register(clock.Sweep("registry.auto_renew", services.next_auto_renewal, services.auto_renew_expired))
        clock.register(clock.Sweep("registry.deletions", services.next_deletion_step, services.advance_deletions))
