"""GET /api/v1/dora: the five DORA metrics of a service, a team or the organisation, and
GET /api/v1/dora/detail: the same figures with the rows each was computed from.

Any signed-in person (token or session) may read them, as they may read every key result.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field, WithJsonSchema

from okrs.metrics.delivery.dora_detail import DEFAULT_LIMIT, MAX_LIMIT, dora_detail_document
from okrs.metrics.delivery.selectors import DoraQueryInvalid, ScopeNotFound, dora_document
from okrs.web.api import Instant, answers

router = Router(tags=["dora"])

Band = Literal["elite", "high", "medium", "low"] | None


class DoraQuery(Schema):
    service: str | None = Field(None, description="service key")
    team: str | None = Field(None, description="team key (its sub-teams' services included)")
    from_: Instant | None = Field(
        None,
        alias="from",
        description="ISO date or date-time, inclusive (default: 30 days before `to`); a date "
        "means its midnight in the scope's time zone",
    )
    to: Instant | None = Field(None, description="ISO date or date-time, exclusive (default: now)")


class ScopeOut(BaseModel):
    kind: Literal["service", "team", "organisation"]
    key: str | None
    name: str
    team: str | None = Field(description="the team owning the service (services only)")


class WindowOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    days: float


class FrequencyOut(BaseModel):
    per_day: float = Field(description="successful production deployments per day")
    per_week: float
    deployments: int
    deploy_days_per_week: float | None = Field(
        description="median number of days with a deployment in the window's whole local weeks"
    )
    whole_weeks: int
    band: Band


class DurationsOut(BaseModel):
    median_hours: float | None
    p90_hours: float | None
    changes: int
    band: Band


class FailureRateOut(BaseModel):
    percent: float | None
    failed_deployments: int
    deployments: int
    band: Band


class RecoveryOut(BaseModel):
    median_hours: float | None
    p90_hours: float | None
    failures: int
    unresolved: int = Field(description="failures not resolved yet: left out of median and p90")
    band: Band


class ReworkOut(BaseModel):
    percent: float | None
    remediation_deployments: int
    deployments: int
    band: None = Field(description="always null: the DORA 2023 report has no rework rate band")


class DoraOut(BaseModel):
    scope: ScopeOut
    services: list[str]
    window: WindowOut
    timezone: str
    deployment_frequency: FrequencyOut
    lead_time: DurationsOut
    change_failure_rate: FailureRateOut
    recovery_time: RecoveryOut
    rework_rate: ReworkOut
    bands_source: str


class Error(BaseModel):
    detail: str


@router.get(
    "",
    response={200: DoraOut, 400: Error, 404: Error},
    openapi_extra=answers(
        {
            400: "`from` or `to` is not an ISO date or date-time, `from` is not before `to`, "
            "the window is longer than 3 years, or both a service and a team are given",
            404: "No service or team with that key",
        }
    ),
    by_alias=True,
    # Named as before the move into okrs.metrics, so generated clients keep their method names.
    operation_id="okrs_delivery_api_dora_dora",
    summary="The five DORA metrics and their bands for a half-open window",
)
def dora(request: HttpRequest, filters: Query[DoraQuery]) -> Any:
    try:
        return dora_document(
            service=filters.service, team=filters.team, start=filters.from_, end=filters.to
        )
    except ScopeNotFound as exc:
        raise HttpError(404, str(exc)) from exc
    except DoraQueryInvalid as exc:
        raise HttpError(400, str(exc)) from exc


# Read by dora_detail.parse_page, which refuses what it cannot use with a 400, as every other
# parameter here; the document still says what they must look like.
Limit = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_LIMIT,
            "description": f"rows per list (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}); "
            "each list also gives its total",
        }
    ),
]
Offset = Annotated[
    str,
    WithJsonSchema(
        {"type": "integer", "minimum": 0, "description": "rows of each list to skip (default 0)"}
    ),
]


class DetailQuery(DoraQuery):
    limit: Limit | None = None
    offset: Offset | None = None


class DeploymentRef(BaseModel):
    id: str = Field(description="the provider's deployment id")
    provider: str
    service: str = Field(description="the service's key")
    service_name: str = Field(description="the service's name, as people know it")
    finished_at: str


class IncidentRef(BaseModel):
    id: str = Field(description="the provider's incident id")
    title: str
    attribution: Literal["explicit", "time_window", "none"] = Field(
        description="how the incident was linked to its deployment"
    )
    opened_at: str
    resolved_at: str | None


class ChangeRow(BaseModel):
    commit: str
    pull_request: int | None
    first_commit_at: str | None
    lead_hours: float | None = Field(description="deployment finish minus first commit")


class DeploymentRow(DeploymentRef):
    commit: str
    remediation: Literal["hotfix", "rollback", "revert"] | None
    failed: bool = Field(description="counted in the change failure rate")
    changes: list[ChangeRow]


Cause = Literal["incident", "named_deployment", "previous_deployment"]
Rule = Literal[
    "named_deployment", "named_incident", "open_incident", "previous_deployment", "no_target"
]


class FailureRow(BaseModel):
    deployment: DeploymentRef | None
    cause: Cause = Field(
        description="an attributed incident, or the remediation rule that marked it"
    )
    why: str
    incident: IncidentRef | None
    remediation: DeploymentRef | None = Field(description="the remediation, for rules 1 and 3")
    began_at: str
    resolved_at: str | None
    recovery_hours: float | None


class RemediationRow(BaseModel):
    deployment: DeploymentRef | None
    kind: str
    names: str | None = Field(description="what the event said it remediates")
    rule: Rule
    why: str
    marks: DeploymentRef | None = Field(description="the deployment it counts as failed")
    incident: IncidentRef | None = Field(description="the incident it belongs to")


class DeploymentsSection(BaseModel):
    total: int
    offset: int
    limit: int
    rows: list[DeploymentRow]


class FailuresSection(BaseModel):
    total: int = Field(description="failures (the recovery time's count)")
    failed_deployments: int = Field(description="the change failure rate's numerator")
    offset: int
    limit: int
    rows: list[FailureRow]


class RemediationsSection(BaseModel):
    total: int
    offset: int
    limit: int
    rows: list[RemediationRow]


class DetailOut(BaseModel):
    deployments: DeploymentsSection
    failures: FailuresSection
    remediations: RemediationsSection


class DoraDetailOut(DoraOut):
    detail: DetailOut


@router.get(
    "/detail",
    response={200: DoraDetailOut, 400: Error, 404: Error},
    openapi_extra=answers(
        {
            400: "`from` or `to` is not an ISO date or date-time, `from` is not before `to`, "
            "the window is longer than 3 years, both a service and a team are given, or `limit` "
            "or `offset` is not a whole number in range",
            404: "No service or team with that key",
        }
    ),
    by_alias=True,
    operation_id="okrs_delivery_api_dora_detail",
    summary="The DORA figures with the deployments, changes, failures and remediations behind them",
)
def dora_detail(request: HttpRequest, filters: Query[DetailQuery]) -> Any:
    try:
        return dora_detail_document(
            service=filters.service,
            team=filters.team,
            start=filters.from_,
            end=filters.to,
            limit=filters.limit,
            offset=filters.offset,
        )
    except ScopeNotFound as exc:
        raise HttpError(404, str(exc)) from exc
    except DoraQueryInvalid as exc:
        raise HttpError(400, str(exc)) from exc
