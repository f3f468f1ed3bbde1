import pytest

from .factories import EventFactory


@pytest.fixture
def event(db):
    """A published public event next week with 10 seats."""
    return EventFactory(title="Betacooks lunch", slug="betacooks-lunch")
