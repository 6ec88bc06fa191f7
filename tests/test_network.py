"""The network plan: generated from NETWORK_BLOCK, or read from a file, always checked."""

import dataclasses
import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import network


def test_the_default_plan_puts_every_server_on_its_own_address_in_the_block():
    plan = network.validate(network.default_plan("127.53.0.0/16", 53, True))
    addresses = [s.address for s in plan.dns_servers()] + [plan.resolver.address, plan.epp.address]
    assert len(addresses) == len(set(addresses))
    assert all(a.startswith("127.53.") for a in addresses)
    assert plan.address_of("A.GTLD-SERVERS.NET") == "127.53.1.1"
    assert (plan.epp.port, plan.whois.port) == (700, 43)


def test_without_privilege_the_plan_uses_high_ports():
    plan = network.default_plan("127.53.0.0/16", network.DNS_HIGH_PORT, False)
    assert (plan.dns_port, plan.resolver.port, plan.epp.port) == (10053, 10053, network.EPP_HIGH_PORT)


@pytest.mark.parametrize("block", ["10.0.0.0/16", "127.53.0.0/24", "127.0.0.0/16", "127.53.0.1/16", "nonsense"])
def test_a_block_outside_loopback_or_not_a_16_is_refused(block):
    with pytest.raises(ImproperlyConfigured, match="NETWORK_BLOCK"):
        network.default_plan(block, 53, True)


def test_a_plan_file_in_the_endpoints_shape_is_read_and_checked(tmp_path):
    plan = network.default_plan("127.60.0.0/16", 5300, False)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.as_dict()))
    assert network.validate(network.plan_from_file(path, 53)) == plan

    data = plan.as_dict()
    data["rental_nameservers"][0]["address"] = "127.0.0.53"
    path.write_text(json.dumps(data))
    with pytest.raises(ImproperlyConfigured, match=r"127.0.0.53"):
        network.validate(network.plan_from_file(path, 53))

    data = plan.as_dict()
    data["rental_nameservers"][1]["address"] = data["rental_nameservers"][0]["address"]
    path.write_text(json.dumps(data))
    with pytest.raises(ImproperlyConfigured, match="share"):
        network.validate(network.plan_from_file(path, 53))

    path.write_text("{not json")
    with pytest.raises(ImproperlyConfigured, match="NETWORK_PLAN_FILE"):
        network.plan_from_file(path, 53)


def test_regions_stay_on_loopback_and_latency_names_known_regions():
    plan = network.default_plan(network.DEFAULT_BLOCK, 53, True)
    assert [r.name for r in plan.regions] == ["us-east-1", "eu-west-1", "ap-northeast-2", "sa-east-1"]
    assert [o.address for o in plan.origins] == ["127.53.5.1", "127.53.5.2"]
    wide = network.Region("everywhere", "NA", "US", ("10.0.0.0/8",))
    with pytest.raises(ImproperlyConfigured, match=r"beyond 127.0.0.0/8"):
        network.validate(dataclasses.replace(plan, regions=(wide,)))
    with pytest.raises(ImproperlyConfigured, match=r"latency names unknown regions \['mars-1'\]"):
        network.validate(dataclasses.replace(plan, latency=(("us-east-1", "mars-1", 9),)))


def test_the_rental_pool_grows_by_servers_named_like_the_first_ones_on_addresses_of_their_own():
    plan = network.validate(network.default_plan("127.53.0.0/16", 53, True))
    assert plan.rental_server(1) == plan.rental_nameservers[0]
    assert plan.rental_server(9) == network.Server("ns-9.namesmith-dns.com.", "127.53.2.9")
    assert plan.rental_server(254).address == "127.53.2.254"
    assert plan.rental_server(255) == network.Server("ns-255.namesmith-dns.org.", "127.53.6.1")
    assert plan.rental_server(2048).address == "127.53.13.16"
    taken = {s.address for s in plan.dns_servers()} | {plan.resolver.address, plan.epp.address, plan.whois.address}
    taken |= {o.address for o in plan.origins}
    grown = {plan.rental_server(n).address for n in range(9, plan.rental_pool_size() + 1)}
    assert len(grown) == plan.rental_pool_size() - 8 and not grown & taken
    assert plan.address_of("NS-300.namesmith-dns.kr") == plan.rental_server(300).address
    assert plan.rental_server_number("ns-300.namesmith-dns.kr.") == 300
    assert plan.rental_server_number("ns-300.namesmith-dns.com.") is None  # ns-300 is under .kr
    assert plan.rental_server_number("ns-2049.namesmith-dns.com.") is None
    assert plan.address_of("ns-2049.namesmith-dns.com") is None
    with pytest.raises(ValueError):
        plan.rental_server(2049)


def test_a_plan_file_without_a_pool_limit_keeps_just_its_rental_servers(tmp_path):
    data = network.default_plan("127.60.0.0/16", 5300, False).as_dict()
    del data["rental_pool_limit"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    plan = network.validate(network.plan_from_file(path, 53))
    assert plan.rental_pool_size() == 8 and plan.address_of("ns-9.namesmith-dns.com") is None


def test_addresses_beyond_loopback_need_multi_host_mode_and_stay_unicast(tmp_path):
    plan = network.default_plan("127.60.0.0/16", 53, True)
    data = plan.as_dict()
    data["rental_nameservers"][0]["address"] = "192.0.2.10"
    data["regions"][0]["networks"] = ["192.0.2.0/24"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ImproperlyConfigured, match="addresses beyond loopback need MULTI_HOST=true"):
        network.validate(network.plan_from_file(path, 53))
    wide = network.validate(network.plan_from_file(path, 53), beyond_loopback=True)
    assert wide.rental_nameservers[0].address == "192.0.2.10"

    for bad in ("0.0.0.0", "::", "224.0.0.1", "127.0.0.1"):
        data["rental_nameservers"][0]["address"] = bad
        path.write_text(json.dumps(data))
        with pytest.raises(ImproperlyConfigured, match="needs a unicast address of its own"):
            network.validate(network.plan_from_file(path, 53), beyond_loopback=True)
    data["rental_nameservers"][0]["address"] = "ns.example"
    path.write_text(json.dumps(data))
    with pytest.raises(ImproperlyConfigured, match="has no valid address"):
        network.validate(network.plan_from_file(path, 53), beyond_loopback=True)
