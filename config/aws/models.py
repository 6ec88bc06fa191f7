"""Access keys: how an AWS client (boto3, the AWS CLI, Terraform) says which account it acts for."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccessKey(models.Model):
    """An AWS-style access key of an account (a Django user): the key id a client sends
    with each request and the secret it signs them with (SigV4). The secret is kept as
    given, as AWS keeps it, because checking a signature needs it; an inactive key is
    refused. An account has at most two, as an IAM user has."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys")
    access_key_id = models.CharField(max_length=128, unique=True)
    secret_access_key = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(access_key_id__regex=r"^[A-Z0-9]{16,128}$"), name="access_key_id_form")
        ]

    def __str__(self) -> str:
        return self.access_key_id
