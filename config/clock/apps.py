from django.apps import AppConfig


class ClockConfig(AppConfig):
    name = "config.clock"
    label = "clock"
    verbose_name = "Emulator clock"
    default_auto_field = "django.db.models.BigAutoField"
