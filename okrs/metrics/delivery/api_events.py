"""POST /api/v1/events/{source}: webhooks from GitHub, GitLab, PagerDuty and generic senders.

These requests carry their provider's signature, not our bearer tokens (auth=None); the
signature is checked in okrs.metrics.delivery.ingest before the body is parsed. docs/events.md
documents every answer.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from ninja import Router

from okrs.config import ConfigError
from okrs.metrics.delivery.ingest.services import MAX_BODY_BYTES, IngestRefused, ingest

log = logging.getLogger(__name__)

router = Router(tags=["events"], auth=None)


def _too_large() -> JsonResponse:
    return JsonResponse(
        {"detail": f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB"}, status=413
    )


@router.post(
    "/{source}",
    # Named as before the move into okrs.metrics, so generated clients keep their method names.
    operation_id="okrs_delivery_api_events_receive",
    summary="Receive a signed webhook delivery",
    description=(
        "source is github, gitlab, pagerduty or generic. 200: stored and normalised (or a "
        "duplicate, changing nothing); 202: stored but ignored or unmapped; 400: not JSON, or "
        "stored as invalid; 401: bad signature (nothing stored); 404: unknown source; 413: body "
        "over 5 MB; 503: no secret configured for the source."
    ),
    response={200: dict, 202: dict, 400: dict, 401: dict, 404: dict, 413: dict, 503: dict},
)
def receive(request: HttpRequest, source: str) -> JsonResponse:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _too_large()
    # Read the stream ourselves, one byte past the limit, so the limit is ours (not Django's
    # form-upload limit) and a sender lying about Content-Length cannot make us read more.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    try:
        result = ingest(provider=source, headers=dict(request.headers), body=body)
    except IngestRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=exc.http_status)
    except ConfigError as exc:
        # Nothing was stored (the transaction rolled back): the provider retries later.
        log.error("delivery event refused: %s", exc)
        return JsonResponse({"detail": f"the server is misconfigured: {exc}"}, status=503)
    answer = {
        "outcome": result.outcome,
        "detail": result.detail,
        "delivery_id": result.delivery_id,
        "event_type": result.event_type,
    }
    return JsonResponse(answer, status=result.http_status)
