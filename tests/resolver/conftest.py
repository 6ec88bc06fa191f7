import pytest

from tests.resolver.internet import Internet


@pytest.fixture
def net():
    """The small loopback Internet of tests/resolver/internet.py with a resolver beside it."""
    world = Internet()
    yield world
    world.stop()
