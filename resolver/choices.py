"""Enumerations of the resolver app: zone kinds, record types, routing policies, changes."""

from django.db import models


class ZoneKind(models.TextChoices):
    """Who builds a published zone."""

    ROOT = "root", "Root zone (registry)"
    TLD = "tld", "TLD zone (registry)"
    PLATFORM = "platform", "Rental nameservers' own zone"
    HOSTED = "hosted", "Customer hosted zone"


class RecordType(models.TextChoices):
    """Record types a customer may keep in a hosted zone (SOA and the apex NS are the service's)."""

    A = "A"
    AAAA = "AAAA"
    CAA = "CAA"
    CNAME = "CNAME"
    DS = "DS"
    HTTPS = "HTTPS"
    MX = "MX"
    NAPTR = "NAPTR"
    NS = "NS"
    PTR = "PTR"
    SPF = "SPF"
    SRV = "SRV"
    SSHFP = "SSHFP"
    SVCB = "SVCB"
    TLSA = "TLSA"
    TXT = "TXT"


class TsigAlgorithm(models.TextChoices):
    """MAC algorithms a TSIG key may use (RFC 8945 section 6), by their names in key files."""

    HMAC_SHA256 = "hmac-sha256"
    HMAC_SHA384 = "hmac-sha384"
    HMAC_SHA512 = "hmac-sha512"


class RoutingPolicy(models.TextChoices):
    """How the rental nameservers pick among the record sets of one name and type."""

    SIMPLE = "simple", "Simple"
    WEIGHTED = "weighted", "Weighted"
    FAILOVER = "failover", "Failover"
    MULTIVALUE = "multivalue", "Multivalue answer"
    LATENCY = "latency", "Latency"
    GEOLOCATION = "geolocation", "Geolocation"


class FailoverRole(models.TextChoices):
    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"


class ChangeAction(models.TextChoices):
    CREATE = "CREATE"
    DELETE = "DELETE"
    UPSERT = "UPSERT"


class ChangeStatus(models.TextChoices):
    """PENDING until every nameserver of the zone is seen serving the change."""

    PENDING = "PENDING"
    INSYNC = "INSYNC"


class HealthCheckKind(models.TextChoices):
    HTTP = "HTTP"
    HTTPS = "HTTPS"
    TCP = "TCP"
    CALCULATED = "CALCULATED", "Calculated (from other checks)"


class HealthStatus(models.TextChoices):
    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"


class HealthOverride(models.TextChoices):
    """A status forced by hand, for deterministic tests and maintenance windows."""

    NONE = "", "None: the checkers decide"
    HEALTHY = "HEALTHY", "Force healthy"
    UNHEALTHY = "UNHEALTHY", "Force unhealthy"


class TaggedKind(models.TextChoices):
    """What tags may be attached to, by Route 53's resource type names."""

    HOSTED_ZONE = "hostedzone", "Hosted zone"
    HEALTH_CHECK = "healthcheck", "Health check"
