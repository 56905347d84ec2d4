"""What okrs serves over SCIM: the User and Group resources it understands, and what it says
about itself on /ServiceProviderConfig, /Schemas and /ResourceTypes.

The models are scim2-models' own building blocks cut down to the attributes okrs keeps: a
provider reading /Schemas learns exactly what a write will keep, rather than a phone number
that would be accepted and dropped.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    Email,
    ETag,
    Filter,
    GroupMember,
    GroupMembership,
    Mutability,
    Name,
    Pagination,
    Patch,
    Required,
    Resource,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

# The most resources one page of a list holds, whatever `count` asks: a provider pages on.
MAX_PAGE_SIZE = 100


class UserEmail(Email):
    """An email address of a person: a value is what makes it one. It is checked as Django
    checks an EmailField (okrs/scim/services.py), which takes the reserved domains (.test,
    .local) that companies' directories and test setups use."""

    value: Annotated[str | None, Required.true] = None
    """The address."""


class User(Resource[Any]):
    """A person of the organisation, identified by their userName; their email is the primary
    (or first) of `emails`, else the userName when it is one."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The identifier the identity provider knows the person by."""

    name: Name | None = None
    """The components of the person's name."""

    Name: ClassVar[type[ComplexAttribute]] = Name

    display_name: str | None = None
    """The name shown for the person in okrs."""

    active: bool | None = None
    """False for a deactivated person: they cannot sign in and get no nudge."""

    emails: Annotated[list[UserEmail] | None, Required.true] = None
    """The person's email addresses; the primary one is the one okrs uses. Required: a
    person is known by their email, for signing in and for their nudges."""

    Emails: ClassVar[type[ComplexAttribute]] = UserEmail

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    """The teams the person is a member of."""

    Groups: ClassVar[type[ComplexAttribute]] = GroupMembership


class TeamMember(GroupMember):
    """A person in the team, by id. okrs keeps no display name of its own for a membership
    (the person has one), so `display` is read-only and left out of answers."""

    display: Annotated[str | None, Mutability.read_only] = None
    """Not kept."""


class Group(Resource[Any]):
    """A team of the organisation; its members are people (Users)."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    """The team's name."""

    members: list[TeamMember] | None = None
    """The people in the team."""

    Members: ClassVar[type[ComplexAttribute]] = TeamMember


CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_PAGE_SIZE),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    pagination=Pagination(
        cursor=False, index=True, default_page_size=MAX_PAGE_SIZE, max_page_size=MAX_PAGE_SIZE
    ),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="SCIM token",
            description="A bearer token made with `okrs token create --scim`.",
            primary=True,
        )
    ],
)

# What okrs tolerates from providers: attributes it does not keep (a phone number, an
# enterprise extension, a password) are dropped rather than refused, since Okta and Entra send
# whatever their mappings hold; and Entra's ways of writing a PATCH (a `remove` naming the
# member to remove in its value, an `add` to emails[type eq "work"].value where there is none
# yet) are read as Entra means them.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

PROVIDER = ScimProvider(models=[User, Group], config=CONFIG, policy=POLICY)
