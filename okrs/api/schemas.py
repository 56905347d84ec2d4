"""Response and request shapes of the API, so that the OpenAPI document says what we return."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, Field

from okrs.goals.checkins.services import LARGEST_VALUE
from okrs.goals.present import KeyResultScore, ObjectiveScore

# Responses are plain pydantic models or frozen dataclasses, never ninja Schemas: ninja's Schema
# reads each field of each nested dict through a Python-level getter, which costs tens of
# milliseconds on the whole-organisation dashboard. The shapes of scores and of the dashboard
# are the dataclasses their builders return (okrs.goals.present, okrs.goals.dashboard): pydantic
# takes an instance as it is and documents its fields. Request bodies stay ninja Schemas.


class Error(BaseModel):
    detail: str


class ValidationIssue(BaseModel):
    """One reason a request's parameters or body were refused, as ninja reports it."""

    type: str
    loc: list[str | int] = Field(description='where: ["body", "body", "note"], ["query", ...]')
    msg: str
    ctx: dict[str, Any] | None = None


class ValidationFailed(BaseModel):
    detail: list[ValidationIssue]


class CheckInRefused(BaseModel):
    """422 of a check-in: a field of the wrong shape (a list), or a value the key result cannot
    take (a sentence: a frozen cycle, no value yet, a check-in in the future)."""

    detail: str | list[ValidationIssue]


class CycleOut(BaseModel):
    key: str
    name: str
    start: dt.date
    end: dt.date
    parent: str | None
    current: bool


class InitiativeOut(BaseModel):
    key: str
    title: str
    status: str
    key_result: str | None
    owner: str | None
    completed_on: dt.date | None


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectiveDetail(ObjectiveScore):
    cycle: str
    description: str
    contributes_to: list[str]
    initiatives: list[InitiativeOut]


class CheckInOut(BaseModel):
    id: int
    at: dt.datetime
    value: float
    confidence: str | None
    note: str
    author: str | None
    source: str


@dataclasses.dataclass(frozen=True, slots=True)
class KeyResultDetail(KeyResultScore):
    id: int
    objective: str
    cycle: str
    weight: float
    source: dict[str, object] | None
    last_sync_error: str
    last_synced_at: dt.datetime | None
    # When the schedule syncs it next (null: it will not, stopped or its cycle not running);
    # syncs_on_events: a delivery event for its services makes it sync within a minute.
    next_sync_at: dt.datetime | None
    syncs_on_events: bool
    sync_stopped: bool
    initiatives: list[InitiativeOut]
    history: list[CheckInOut]


class CheckInIn(Schema):
    value: float | None = Field(
        default=None,
        ge=-LARGEST_VALUE,
        le=LARGEST_VALUE,
        description="the new value; omit for 'no change' (keeps the current value)",
    )
    confidence: Literal["on_track", "at_risk", "off_track"] | None = None
    note: str = Field(default="", max_length=5000)


class CheckInResult(BaseModel):
    check_in: CheckInOut
    key_result: KeyResultScore
