from django.apps import AppConfig


class AwsConfig(AppConfig):
    name = "config.aws"
    label = "aws"
    verbose_name = "AWS access keys"
    default_auto_field = "django.db.models.BigAutoField"
