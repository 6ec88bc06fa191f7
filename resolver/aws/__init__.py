"""Route 53's own API (REST-XML, ``/2013-04-01/``) over the rental service, for boto3, the AWS
CLI, Terraform and every tool built on them. The handlers parse what botocore's model
describes and render what it expects; zones, record sets, changes, health checks and tags
are the rental service's, the same the shop and the customer API show. ``register`` is
called at app start (``ResolverConfig.ready``)."""

from __future__ import annotations

from config.aws import dispatch
from resolver.aws import account, delegation, health, records, wire, zones

HANDLERS: dict[str, dispatch.Handler] = {
    "CreateHostedZone": zones.create_hosted_zone,
    "GetHostedZone": zones.get_hosted_zone,
    "ListHostedZones": zones.list_hosted_zones,
    "ListHostedZonesByName": zones.list_hosted_zones_by_name,
    "GetHostedZoneCount": zones.get_hosted_zone_count,
    "UpdateHostedZoneComment": zones.update_hosted_zone_comment,
    "DeleteHostedZone": zones.delete_hosted_zone,
    "ChangeResourceRecordSets": records.change_resource_record_sets,
    "ListResourceRecordSets": records.list_resource_record_sets,
    "GetChange": records.get_change,
    "CreateReusableDelegationSet": delegation.create_reusable_delegation_set,
    "GetReusableDelegationSet": delegation.get_reusable_delegation_set,
    "ListReusableDelegationSets": delegation.list_reusable_delegation_sets,
    "DeleteReusableDelegationSet": delegation.delete_reusable_delegation_set,
    "GetReusableDelegationSetLimit": delegation.get_reusable_delegation_set_limit,
    "CreateHealthCheck": health.create_health_check,
    "GetHealthCheck": health.get_health_check,
    "ListHealthChecks": health.list_health_checks,
    "GetHealthCheckCount": health.get_health_check_count,
    "UpdateHealthCheck": health.update_health_check,
    "DeleteHealthCheck": health.delete_health_check,
    "GetHealthCheckStatus": health.get_health_check_status,
    "GetHealthCheckLastFailureReason": health.get_health_check_last_failure_reason,
    "GetAccountLimit": account.get_account_limit,
    "GetHostedZoneLimit": account.get_hosted_zone_limit,
    "ListTagsForResource": account.list_tags_for_resource,
    "ListTagsForResources": account.list_tags_for_resources,
    "ChangeTagsForResource": account.change_tags_for_resource,
    "GetDNSSEC": account.get_dnssec,
    "TestDNSAnswer": account.test_dns_answer,
    "GetCheckerIpRanges": account.get_checker_ip_ranges,
}


def register() -> None:
    dispatch.register(dispatch.Service("route53", wire.PATH, HANDLERS))
