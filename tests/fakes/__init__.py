"""Fakes of the world outside chatport that tests talk to over real sockets."""

from tests.fakes.providers import (
    Behaviour,
    FakeAnthropic,
    FakeOllama,
    FakeOpenAI,
    FakeProvider,
    RecordedRequest,
)

__all__ = [
    "Behaviour",
    "FakeAnthropic",
    "FakeOllama",
    "FakeOpenAI",
    "FakeProvider",
    "RecordedRequest",
]
