"""What other rooms do with a delivery once it is stored: receivers registered by name.

Ingestion knows nothing of what reads its deliveries beyond the normalised tables. A room that
wants every new delivery (okrs.metrics.effort keeps merged pull requests as work items)
registers a receiver from its AppConfig.ready(); `ingest()` calls each one after a delivery was
stored for the first time, never for a redelivery, so a receiver sees each delivery once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredDelivery:
    provider: str
    event_type: str
    payload: dict[str, Any]
    raw_event_id: int


Receiver = Callable[[StoredDelivery], None]

RECEIVERS: dict[str, Receiver] = {}


def register(name: str, receiver: Receiver) -> None:
    RECEIVERS[name] = receiver


def delivered(delivery: StoredDelivery) -> None:
    for receiver in RECEIVERS.values():
        receiver(delivery)
