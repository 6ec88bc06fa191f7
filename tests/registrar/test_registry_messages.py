"""The registrar reads its registry poll messages over the queue and brings the customers'
domains in line with them: each message applied once, then acknowledged."""

from datetime import timedelta

from django.core import mail

from config import clock
from registrar.choices import DomainState
from registrar.models import CustomerDomain, RegistryMessage, RegistryPoll
from registrar.services import lifecycle
from registry import services as registry
from registry.models import PollMessage
from tests.registrar.conftest import hold


def waiting(inhouse) -> int:
    return registry.poll_request(inhouse)[0]


def queue(inhouse, kind: str, name: str, **data) -> PollMessage:
    """A message as the registry's lifecycle sweeps queue it."""
    return PollMessage.objects.create(
        registrar=inhouse,
        kind=kind,
        object_name=name,
        message=f"{kind} {name}",
        data={"name": name, **data},
        created_at=clock.now(),
    )


def test_a_transfer_away_is_told_to_the_owner_then_releases_the_domain(customer, broker, inhouse, alpha):
    domain = hold(broker, customer, "one.com")
    auth = registry.info_domain("one.com", registrar=inhouse).auth_info
    registry.request_transfer(alpha, "one.com", auth_info=auth)
    assert broker.run(lifecycle.start_poll) == 1
    assert broker.ops() == [] and waiting(inhouse) == 0
    assert [m.subject for m in mail.outbox] == ["A transfer of one.com was requested"]
    assert "alpha-reg" in mail.outbox[0].body
    registry.approve_transfer(inhouse, "one.com")
    broker.run(lifecycle.start_poll)
    domain.refresh_from_db()
    assert domain.released_at is not None
    assert list(RegistryMessage.objects.values_list("kind", "data__status")) == [
        ("transfer", "pending"),
        ("transfer", "clientApproved"),
    ]
    assert not lifecycle.poll_busy() and lifecycle.start_poll() == 0


def test_the_chain_takes_every_waiting_message_in_order(customer, broker, inhouse):
    hold(broker, customer, "one.com")
    later = clock.now() + timedelta(days=400)
    queue(inhouse, "autoRenew", "one.com", expires_at=later.isoformat(), fee=1100)
    queue(inhouse, "deleted", "one.com", rgp_status="redemptionPeriod")
    queue(inhouse, "deleted", "other.com", purged_at=clock.now().isoformat())  # not a customer's
    assert broker.run(lifecycle.start_poll) == 3
    assert waiting(inhouse) == 0
    domain = CustomerDomain.objects.get(name="one.com")
    assert (domain.expires_at, domain.state) == (later, DomainState.REDEMPTION)
    assert domain.redemption_at == PollMessage.objects.get(kind="deleted", object_name="one.com").created_at
    assert RegistryMessage.objects.count() == 3
    # poll.request, then one ack per message (each ack's reply brings the next)
    assert broker.delivered.count("registrar.tasks.poll_result") == 4


def test_a_message_delivered_twice_is_applied_once(customer, broker, inhouse):
    domain = hold(broker, customer, "one.com")
    before, after = domain.expires_at, domain.expires_at + timedelta(days=365)
    message = {
        "id": 99,
        "kind": "autoRenew",
        "object_name": "one.com",
        "data": {"name": "one.com", "expires_at": after.isoformat()},
        "created_at": clock.now().isoformat(),
    }
    assert lifecycle.apply_message(message) is True
    assert CustomerDomain.objects.get(pk=domain.pk).expires_at == after
    CustomerDomain.objects.filter(pk=domain.pk).update(expires_at=before)
    assert lifecycle.apply_message(message) is False
    assert CustomerDomain.objects.get(pk=domain.pk).expires_at == before
    assert RegistryMessage.objects.count() == 1


def test_a_restore_that_lapsed_and_a_purge_follow_the_registry(customer, broker, inhouse):
    domain = hold(broker, customer, "one.com")
    queue(inhouse, "restore", "one.com", rgp_status="redemptionPeriod")
    broker.run(lifecycle.start_poll)
    domain.refresh_from_db()
    assert domain.state == DomainState.REDEMPTION
    queue(inhouse, "deleted", "one.com", purged_at=clock.now().isoformat())
    broker.run(lifecycle.start_poll)
    domain.refresh_from_db()
    assert domain.released_at is not None


def test_only_one_chain_runs_at_a_time_and_a_silent_one_is_replaced(customer, broker, inhouse, settings):
    settings.PIPELINE_STUCK_AFTER = 30
    queue(inhouse, "autoRenew", "gone.com", expires_at=clock.now().isoformat())
    with broker.capture(execute=True):
        assert lifecycle.start_poll() == 1
        assert lifecycle.start_poll() == 0  # under way
    assert lifecycle.poll_busy() and broker.ops() == ["poll.request"]
    broker.sent.clear()  # the message is lost
    RegistryPoll.objects.update(heartbeat_at=clock.now() - timedelta(minutes=1))
    assert not lifecycle.poll_busy()
    assert broker.run(lifecycle.start_poll) == 1
    assert waiting(inhouse) == 0 and not lifecycle.poll_busy()


def test_the_poll_sweep_runs_when_the_clock_moves(customer, broker, inhouse, alpha):
    hold(broker, customer, "one.com")
    registry.request_transfer(alpha, "one.com", auth_info=registry.info_domain("one.com", registrar=inhouse).auth_info)
    broker.advance(timedelta(minutes=1))
    assert waiting(inhouse) == 0 and RegistryMessage.objects.count() == 1
