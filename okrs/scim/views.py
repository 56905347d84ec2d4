"""The SCIM endpoints under /scim/v2/: parse with scim2-models, check the SCIM token, call one
service, answer in SCIM's shape. Every failure is a SCIM error (status, scimType, detail)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    GroupMembership,
    InvalidSyntaxException,
    ListResponse,
    Meta,
    NotFoundException,
    NotImplementedException,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
)

from okrs.org.models import Person, Team
from okrs.scim import services
from okrs.scim.filters import GROUP_COLUMNS, USER_COLUMNS, QueryBuilder
from okrs.scim.models import ScimGroup, ScimToken, ScimUser
from okrs.scim.resources import MAX_PAGE_SIZE, PROVIDER, Group, TeamMember, User

CONTENT_TYPE = "application/scim+json"
# Requests are small documents; a body this big is no provider's.
MAX_BODY_BYTES = 1_000_000


class MethodNotAllowed(SCIMException):
    status = 405
    _default_detail = "method not allowed here"


def _answer(payload: dict[str, Any] | None, status: int = 200, **headers: str) -> HttpResponse:
    body = b"" if payload is None else json.dumps(payload).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(error: Error) -> HttpResponse:
    payload = error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    headers = {"WWW_Authenticate": 'Bearer realm="okrs SCIM"'} if error.status == 401 else {}
    return _answer(payload, int(error.status or 400), **headers)


def scim_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The SCIM token checked before anything is read; SCIM errors for whatever goes wrong."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or ScimToken.authenticate(token.strip()) is None:
            return _error(UnauthorizedException(detail="a valid SCIM token is required").to_error())
        try:
            return view(request, *args, **kwargs)
        except SCIMException as exc:
            return _error(exc.to_error())
        except ValidationError as exc:
            return _error(Error.from_validation_errors(exc)[0])

    return wrapped


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidSyntaxException(detail="the request body is too large")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise InvalidSyntaxException(detail="the request body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="the request body must be a JSON object")
    return data


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2")


def _link(row: Person | Team) -> ScimUser | ScimGroup | None:
    try:
        return row.scim  # the reverse one-to-one of okrs.scim.models
    except (ScimUser.DoesNotExist, ScimGroup.DoesNotExist):
        return None


def user_resource(person: Person, base: str) -> User:
    """The person as a User: the provider's attributes as it last wrote them (or, for a person
    it never wrote, their email and name), with okrs's own id, active, groups and meta."""
    link = _link(person)
    if isinstance(link, ScimUser):
        data = {**link.attributes, "userName": link.user_name}
    else:
        data = {"userName": person.email, "emails": [{"value": person.email, "primary": True}]}
        if person.name:
            data["displayName"] = person.name
    resource = User.model_validate(data, scim_provider=PROVIDER)
    resource.id = str(person.pk)
    resource.active = person.is_active
    resource.groups = [
        GroupMembership.model_validate(
            {
                "value": str(t.pk),
                "$ref": f"{base}/Groups/{t.pk}",
                "display": t.name,
                "type": "direct",
            }
        )
        for t in person.teams.all()
    ] or None
    resource.meta = Meta(
        resource_type="User",
        location=f"{base}/Users/{person.pk}",
        created=person.date_joined,
        last_modified=person.date_joined,
    )
    return resource


def group_resource(team: Team, members: list[int], base: str) -> Group:
    link = _link(team)
    data = dict(link.attributes) if isinstance(link, ScimGroup) else {}
    data["displayName"] = team.name
    resource = Group.model_validate(data, scim_provider=PROVIDER)
    resource.id = str(team.pk)
    resource.members = [
        TeamMember.model_validate({"value": str(pk), "$ref": f"{base}/Users/{pk}", "type": "User"})
        for pk in members
    ] or None
    resource.meta = Meta(resource_type="Group", location=f"{base}/Groups/{team.pk}")
    return resource


def _dump(resource: Any, ctx: Context, params: ResponseParameters[Any] | None = None) -> Any:
    return resource.model_dump(scim_ctx=ctx, response_parameters=params, scim_provider=PROVIDER)


def _response_parameters(request: HttpRequest) -> ResponseParameters[Any]:
    params = {
        key: request.GET[key].split(",")
        for key in ("attributes", "excludedAttributes")
        if request.GET.get(key)
    }
    return ResponseParameters.model_validate(params, scim_ctx=Context.SEARCH_REQUEST)


def _search(request: HttpRequest, model: type[User] | type[Group]) -> SearchRequest[Any]:
    """The query's parameters, from the URL (GET) or the body (POST to .search)."""
    if request.method == "POST":
        params = _body(request)
        return SearchRequest[model].model_validate(params, scim_ctx=Context.SEARCH_REQUEST)  # type: ignore[valid-type]
    params = {}
    for key in ("filter", "startIndex", "count"):
        if key in request.GET:
            params[key] = request.GET[key]
    for key in ("attributes", "excludedAttributes"):
        if request.GET.get(key):
            params[key] = request.GET[key].split(",")
    return SearchRequest[model].model_validate(params, scim_ctx=Context.SEARCH_REQUEST)  # type: ignore[valid-type]


def _page(search: SearchRequest[Any], total: int) -> tuple[int, int]:
    """The first index and how many to show; none past the end, so that a startIndex too big
    for the database never reaches it."""
    start = search.start_index or 1
    count = MAX_PAGE_SIZE if search.count is None else min(search.count, MAX_PAGE_SIZE)
    return start, (count if start <= total else 0)


def _list(
    model: type[Any], search: SearchRequest[Any], resources: list[Any], total: int, start: int
) -> Any:
    return ListResponse[model](  # type: ignore[valid-type]
        total_results=total, start_index=start, items_per_page=len(resources),
        resources=resources,
    ).model_dump(
        scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search, scim_provider=PROVIDER
    )  # fmt: skip


def _people(ids: list[int] | None = None) -> Any:
    teams = Prefetch("teams", queryset=Team.objects.only("pk", "name").order_by("key"))
    query = services.visible_people().select_related("scim").prefetch_related(teams)
    return query if ids is None else query.filter(pk__in=ids)


# --- Users ------------------------------------------------------------------------------------


@scim_endpoint
def users(request: HttpRequest, searching: bool = False) -> HttpResponse:
    base = _base(request)
    if request.method == "GET" or (searching and request.method == "POST"):
        search = _search(request, User)
        query = _people()
        if search.filter is not None:
            query = query.filter(QueryBuilder(USER_COLUMNS).visit(search.filter.ast)).distinct()
        total = query.count()
        start, count = _page(search, total)
        people = list(query.order_by("pk")[start - 1 : start - 1 + count]) if count else []
        return _answer(_list(User, search, [user_resource(p, base) for p in people], total, start))
    if request.method == "POST" and not searching:
        resource = User.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_provider=PROVIDER
        )
        person = services.create_user(resource=resource)
        created = user_resource(_people([person.pk]).get(), base)
        location = created.meta.location if created.meta else ""
        return _answer(
            _dump(created, Context.RESOURCE_CREATION_RESPONSE, _response_parameters(request)),
            201,
            Location=location or "",
        )
    raise MethodNotAllowed()


@scim_endpoint
def user(request: HttpRequest, resource_id: str) -> HttpResponse:
    base = _base(request)
    person = services.find_person(resource_id)
    params = _response_parameters(request)
    if request.method == "GET":
        resource = user_resource(_people([person.pk]).get(), base)
        return _answer(_dump(resource, Context.RESOURCE_QUERY_RESPONSE, params))
    if request.method == "DELETE":
        services.delete_user(person=person)
        return _answer(None, 204)
    original = user_resource(_people([person.pk]).get(), base)
    if request.method == "PUT":
        resource = User.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_provider=PROVIDER
        )
        resource.replace(original)
        services.replace_user(person=person, resource=resource)
        ctx = Context.RESOURCE_REPLACEMENT_RESPONSE
    elif request.method == "PATCH":
        patch = PatchOp[User].model_validate(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_provider=PROVIDER
        )
        resource = original.model_copy(deep=True)
        with PROVIDER:
            patch.patch(resource)
        services.replace_user(person=person, resource=resource)
        ctx = Context.RESOURCE_PATCH_RESPONSE
    else:
        raise MethodNotAllowed()
    return _answer(_dump(user_resource(_people([person.pk]).get(), base), ctx, params))


# --- Groups -----------------------------------------------------------------------------------


def _teams(ids: list[int] | None = None) -> Any:
    query = Team.objects.select_related("scim")
    return query if ids is None else query.filter(pk__in=ids)


def _group(team_id: int, base: str) -> Group:
    team = _teams([team_id]).get()
    return group_resource(team, services.member_ids([team])[team.pk], base)


@scim_endpoint
def groups(request: HttpRequest, searching: bool = False) -> HttpResponse:
    base = _base(request)
    if request.method == "GET" or (searching and request.method == "POST"):
        search = _search(request, Group)
        query = _teams()
        if search.filter is not None:
            query = query.filter(QueryBuilder(GROUP_COLUMNS).visit(search.filter.ast)).distinct()
        total = query.count()
        start, count = _page(search, total)
        page = list(query.order_by("pk")[start - 1 : start - 1 + count]) if count else []
        # Members are left out when not asked for: a big team's list is what providers skip.
        wanted = search.excluded_attributes is None or not any(
            str(a).lower() == "members" for a in search.excluded_attributes
        )
        members = services.member_ids(page) if wanted else {t.pk: [] for t in page}
        resources = [group_resource(t, members[t.pk], base) for t in page]
        return _answer(_list(Group, search, resources, total, start))
    if request.method == "POST" and not searching:
        resource = Group.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_provider=PROVIDER
        )
        team = services.create_group(resource=resource)
        created = _group(team.pk, base)
        return _answer(
            _dump(created, Context.RESOURCE_CREATION_RESPONSE, _response_parameters(request)),
            201,
            Location=f"{base}/Groups/{team.pk}",
        )
    raise MethodNotAllowed()


@scim_endpoint
def group(request: HttpRequest, resource_id: str) -> HttpResponse:
    base = _base(request)
    team = services.find_team(resource_id)
    params = _response_parameters(request)
    if request.method == "GET":
        return _answer(_dump(_group(team.pk, base), Context.RESOURCE_QUERY_RESPONSE, params))
    if request.method == "DELETE":
        services.delete_group(team=team)
        return _answer(None, 204)
    original = _group(team.pk, base)
    if request.method == "PUT":
        resource = Group.model_validate(
            _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_provider=PROVIDER
        )
        resource.replace(original)
        ctx = Context.RESOURCE_REPLACEMENT_RESPONSE
    elif request.method == "PATCH":
        patch = PatchOp[Group].model_validate(
            _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_provider=PROVIDER
        )
        resource = original.model_copy(deep=True)
        with PROVIDER:
            patch.patch(resource)
        ctx = Context.RESOURCE_PATCH_RESPONSE
    else:
        raise MethodNotAllowed()
    services.replace_group(team=team, resource=resource)
    return _answer(_dump(_group(team.pk, base), ctx, params))


# --- Discovery --------------------------------------------------------------------------------


def _discovered(request: HttpRequest, items: list[Any], kind: str, key: Callable[[Any], str]):
    base = _base(request)
    for item in items:
        item.meta = Meta(resource_type=kind, location=f"{base}/{kind}s/{key(item)}")
    return items


@scim_endpoint
def service_provider_config(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        raise MethodNotAllowed()
    config = PROVIDER.config.model_copy(deep=True)  # type: ignore[union-attr]
    config.meta = Meta(
        resource_type="ServiceProviderConfig", location=f"{_base(request)}/ServiceProviderConfig"
    )
    return _answer(_dump(config, Context.RESOURCE_QUERY_RESPONSE))


def _discovery_list(
    request: HttpRequest,
    model: type[Any],
    items: list[Any],
    kind: str,
    key: Callable[[Any], str],
    wanted: str,
) -> HttpResponse:
    if request.method != "GET":
        raise MethodNotAllowed()
    items = _discovered(request, [i.model_copy(deep=True) for i in items], kind, key)
    if wanted:
        found = [i for i in items if key(i).lower() == wanted.lower()]
        if not found:
            raise NotFoundException(detail=f"no {kind} {wanted}")
        return _answer(_dump(found[0], Context.RESOURCE_QUERY_RESPONSE))
    listed = ListResponse[model](  # type: ignore[valid-type]
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _answer(_dump(listed, Context.SEARCH_RESPONSE))


@scim_endpoint
def schemas(request: HttpRequest, wanted: str = "") -> HttpResponse:
    items = list(PROVIDER.schemas)
    return _discovery_list(request, Schema, items, "Schema", lambda s: str(s.id), wanted)


@scim_endpoint
def resource_types(request: HttpRequest, wanted: str = "") -> HttpResponse:
    items = list(PROVIDER.resource_types)
    return _discovery_list(
        request, ResourceType, items, "ResourceType", lambda r: str(r.id), wanted
    )


@scim_endpoint
def search_everything(request: HttpRequest) -> HttpResponse:
    raise NotImplementedException(
        detail="search /Users/.search or /Groups/.search: one resource type at a time"
    )


@scim_endpoint
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    raise NotFoundException(detail=f"no SCIM endpoint /scim/v2/{rest}")


urlpatterns = [
    path("scim/v2/ServiceProviderConfig", service_provider_config),
    path("scim/v2/Schemas", schemas),
    path("scim/v2/Schemas/<str:wanted>", schemas),
    path("scim/v2/ResourceTypes", resource_types),
    path("scim/v2/ResourceTypes/<str:wanted>", resource_types),
    path("scim/v2/Users", users),
    path("scim/v2/Users/.search", users, {"searching": True}),
    path("scim/v2/Users/<str:resource_id>", user),
    path("scim/v2/Groups", groups),
    path("scim/v2/Groups/.search", groups, {"searching": True}),
    path("scim/v2/Groups/<str:resource_id>", group),
    path("scim/v2/.search", search_everything),
    re_path(r"^scim/v2/(?P<rest>.*)$", unknown),
]
