"""The hand-written read queries (registry/lookups.py) give what the ORM gives, on SQLite
and on PostgreSQL: `make test` runs this module on both (the `sql` mark)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import clock
from registry import lookups, services
from registry.choices import TransferStatus
from registry.models import Domain, Registrar, Tld

pytestmark = pytest.mark.sql

NS = ["ns1.example.org", "ns2.example.org"]
DS = [
    {"key_tag": 12345, "algorithm": 13, "digest_type": 2, "digest": "AB" * 32},
    {"key_tag": 7, "algorithm": 8, "digest_type": 2, "digest": "CD" * 32},
]


def orm_facets(domain: Domain) -> lookups.DomainFacets:
    """What domain_facets should say, asked of the ORM one relation at a time."""
    now = clock.now()
    return lookups.DomainFacets(
        statuses=sorted(domain.stored_statuses()),
        nameservers=sorted(domain.nameservers.values_list("name", flat=True)),
        hosts=sorted(domain.subordinate_hosts.filter(deleted_at=None).values_list("name", flat=True)),
        graces=sorted(set(domain.grace_periods.filter(ends_at__gt=now).values_list("kind", flat=True))),
        ds=[ds.as_dict() for ds in domain.ds_records.order_by("key_tag", "algorithm", "digest_type", "digest")],
        transfer_status=domain.transfers.values_list("status", flat=True).first(),
    )


def facets_of(name: str) -> tuple[lookups.DomainFacets, lookups.DomainFacets]:
    domain = Domain.objects.get(name=name, deleted_at=None)
    return lookups.domain_facets(domain.pk, clock.now()), orm_facets(domain)


def test_a_bare_domain_has_no_facets_but_its_add_grace(alpha):
    services.create_domain(alpha, "bare.com")
    ours, orm = facets_of("bare.com")
    assert ours == orm == lookups.DomainFacets(graces=["addPeriod"])


def test_every_facet_matches_the_orm_as_the_domain_changes(alpha, beta):
    services.create_domain(alpha, "facets.com", nameservers=NS, ds=DS)
    services.create_host(alpha, "ns1.facets.com", ["192.0.2.53"])
    services.create_host(alpha, "gone.facets.com", ["192.0.2.54"])
    services.delete_host(alpha, "gone.facets.com")
    services.update_domain(alpha, "facets.com", add_statuses=["clientHold", "clientRenewProhibited"])
    ours, orm = facets_of("facets.com")
    assert ours == orm
    assert ours.statuses == ["clientHold", "clientRenewProhibited"]
    assert ours.nameservers == NS
    assert ours.hosts == ["ns1.facets.com"]
    assert ours.graces == ["addPeriod"]
    assert [ds["key_tag"] for ds in ours.ds] == [7, 12345]
    assert ours.transfer_status is None

    # Past the add grace period: no grace; two transfers, the latest one counts.
    clock.advance(timedelta(days=6), settle_timeout=0)
    auth = Domain.objects.get(name="facets.com").auth_info
    services.request_transfer(beta, "facets.com", auth_info=auth)
    services.reject_transfer(alpha, "facets.com")
    services.request_transfer(beta, "facets.com", auth_info=auth, cl_trid="second-try")
    ours, orm = facets_of("facets.com")
    assert ours == orm
    assert ours.graces == []
    assert ours.transfer_status == TransferStatus.PENDING


def test_the_domain_info_service_reads_its_facets_in_one_query(alpha, django_assert_max_num_queries):
    services.create_domain(alpha, "quick.com", nameservers=NS, ds=DS)
    services.update_domain(alpha, "quick.com", add_statuses=["clientHold"])
    clock.forget()
    clock.now()  # the clock's offset is read, not counted below
    with django_assert_max_num_queries(2):  # the domain with its sponsor, then everything else
        info = services.info_domain("quick.com", registrar=alpha)
    assert info.statuses == ["clientHold"]
    assert info.nameservers == NS
    assert info.rgp_statuses == ["addPeriod"]
    assert info.auth_info is not None


def test_a_domain_without_nameservers_is_inactive(alpha):
    services.create_domain(alpha, "idle.com")
    assert services.info_domain("idle.com").statuses == ["inactive"]
    services.create_domain(alpha, "live.com", nameservers=NS)
    assert services.info_domain("live.com").statuses == ["ok"]


@pytest.mark.parametrize(
    ("tld", "label", "reserved", "premium_fee"),
    [("com", "nic", True, None), ("com", "shop", False, "premium"), ("com", "plain", False, None)],
)
def test_the_tld_comes_with_the_labels_policy(tlds, tld, label, reserved, premium_fee):
    found = lookups.tld_with_policy(tld, label)
    expected = Tld.objects.get(name=tld)
    assert found == expected
    assert (found.name, found.create_fee, found.add_grace_days) == (expected.name, expected.create_fee, 5)
    assert found.is_reserved is reserved
    if premium_fee == "premium":
        assert found.premium_fee == expected.premium_names.get(label=label).annual_fee
    else:
        assert found.premium_fee is None


def test_an_unknown_tld_is_none(tlds):
    assert lookups.tld_with_policy("example", "nic") is None


def test_label_policies_over_several_tlds_and_labels(tlds):
    policies = lookups.label_policies({"com", "net", "kr"}, {"nic", "shop", "plain"})
    assert policies.reserved == {("com", "nic"): "registry operations"}
    assert policies.premium == {("com", "shop"): tlds["com"].premium_names.get(label="shop").annual_fee}
    assert lookups.label_policies({"net"}, {"nic", "shop"}) == lookups.LabelPolicies()
    assert lookups.label_policies(set(), {"nic"}) == lookups.LabelPolicies()


def test_only_an_active_registrar_is_found(alpha):
    assert lookups.active_registrar("alpha-reg") == alpha
    Registrar.objects.filter(pk=alpha.pk).update(is_active=False)
    assert lookups.active_registrar("alpha-reg") is None
    assert lookups.active_registrar("nobody") is None
