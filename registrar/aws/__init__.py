"""Route 53 Domains' API (JSON 1.1, ``X-Amz-Target: Route53Domains_v20140515.*`` on
``POST /``) over the in-house registrar, for boto3's ``route53domains`` client, the AWS
CLI and Terraform. Registrations, renewals and transfers are orders through the order
pipeline, charged to the customer's card on file; the other changes are the registrar's
domain requests; every one is an operation ``GetOperationDetail`` follows. ``register`` is
called at app start (``RegistrarConfig.ready``)."""

from __future__ import annotations

from config.aws import dispatch
from registrar.aws import domains

HANDLERS: dict[str, dispatch.Handler] = {
    "CheckDomainAvailability": domains.check_domain_availability,
    "CheckDomainTransferability": domains.check_domain_transferability,
    "GetDomainSuggestions": domains.get_domain_suggestions,
    "ListPrices": domains.list_prices,
    "RegisterDomain": domains.register_domain,
    "RenewDomain": domains.renew_domain,
    "TransferDomain": domains.transfer_domain,
    "GetOperationDetail": domains.get_operation_detail,
    "ListOperations": domains.list_operations,
    "GetDomainDetail": domains.get_domain_detail,
    "ListDomains": domains.list_domains,
    "UpdateDomainNameservers": domains.update_domain_nameservers,
    "UpdateDomainContact": domains.update_domain_contact,
    "UpdateDomainContactPrivacy": domains.update_domain_contact_privacy,
    "EnableDomainAutoRenew": domains.enable_domain_auto_renew,
    "DisableDomainAutoRenew": domains.disable_domain_auto_renew,
    "EnableDomainTransferLock": domains.enable_domain_transfer_lock,
    "DisableDomainTransferLock": domains.disable_domain_transfer_lock,
    "RetrieveDomainAuthCode": domains.retrieve_domain_auth_code,
    "DeleteDomain": domains.delete_domain,
    "ViewBilling": domains.view_billing,
    "ListTagsForDomain": domains.list_tags_for_domain,
    "UpdateTagsForDomain": domains.update_tags_for_domain,
    "DeleteTagsForDomain": domains.delete_tags_for_domain,
    "AssociateDelegationSignerToDomain": domains.dnssec_not_yet,
    "DisassociateDelegationSignerFromDomain": domains.dnssec_not_yet,
}


def register() -> None:
    dispatch.register(dispatch.Service("route53domains", "/", HANDLERS, target_prefix="Route53Domains_v20140515"))
