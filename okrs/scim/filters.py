"""SCIM filters as database queries.

scim2-models parses and checks the filter (`ScimFilter`, bound to our User or Group); this
walks its tree into a Django `Q` over the columns that hold each attribute. Only what an
identity provider looks people and teams up by is mapped; any other attribute, or an ordering
operator, is refused with `invalidFilter` rather than answered wrongly.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from scim2_models import InvalidFilterException
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from scim2_models.path.expressions import AttrPath

# How a string operator reads as a case-insensitive lookup (attributes are caseExact false).
_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}

# attribute path (lowercase "attr" or "attr.sub") -> the function giving the Q for a lookup and
# value; None value means "is present".
Column = Callable[[str, object], Q]


def _column(field: str) -> Column:
    def q(lookup: str, value: object) -> Q:
        if lookup == "present":
            return ~Q(**{f"{field}__isnull": True}) & ~Q(**{field: ""})
        return Q(**{f"{field}__{lookup}": value})

    return q


def _user_name(lookup: str, value: object) -> Q:
    # A person okrs had before the provider came is known by their email until it links them.
    if lookup == "present":
        return Q()
    return Q(**{f"scim__user_name__{lookup}": value}) | Q(
        scim__isnull=True, **{f"email__{lookup}": value}
    )


def _active(lookup: str, value: object) -> Q:
    if lookup == "present":
        return Q()
    if lookup != "iexact" or not isinstance(value, bool):
        raise InvalidFilterException(detail="active can only be compared with eq true or false")
    return Q(is_active=value)


def _ids(value: object) -> list[int]:
    """The one id a value can be, or none: ids are database integers, so a longer number is
    none of ours (and must not reach the database, where it would overflow)."""
    text = str(value)
    return [int(text)] if text.isdigit() and len(text) < 19 else []


def _id(lookup: str, value: object) -> Q:
    if lookup == "present":
        return Q()
    if lookup != "iexact":
        raise InvalidFilterException(detail="id can only be compared with eq")
    return Q(pk__in=_ids(value))


USER_COLUMNS: dict[str, Column] = {
    "id": _id,
    "username": _user_name,
    "emails": _column("email"),
    "emails.value": _column("email"),
    "displayname": _column("name"),
    "name.formatted": _column("name"),
    "active": _active,
    "externalid": _column("scim__attributes__externalId"),
}


def _member(lookup: str, value: object) -> Q:
    if lookup == "present":
        return Q(members__isnull=False)
    if lookup != "iexact":
        raise InvalidFilterException(detail="members can only be compared with eq")
    return Q(members__pk__in=_ids(value))


GROUP_COLUMNS: dict[str, Column] = {
    "id": _id,
    "displayname": _column("name"),
    "externalid": _column("scim__attributes__externalId"),
    "members": _member,
    "members.value": _member,
}


class QueryBuilder(FilterVisitor[Q]):
    """A filter tree as a `Q`, through a table of columns (USER_COLUMNS, GROUP_COLUMNS)."""

    def __init__(self, columns: dict[str, Column]) -> None:
        self.columns = columns

    def _column(self, attr_path: AttrPath, sub_attr: str | None = None) -> Column:
        name = attr_path.attr.lower()
        sub = sub_attr or attr_path.sub_attr
        key = f"{name}.{sub.lower()}" if sub else name
        column = self.columns.get(key)
        if column is None:
            known = ", ".join(sorted(self.columns))
            raise InvalidFilterException(detail=f"cannot filter on {key}; filter on: {known}")
        return column

    def visit_comparison(self, node: Comparison) -> Q:
        column = self._column(node.attr_path)
        if node.op == CompareOperator.ne:
            return ~column("iexact", node.value)
        lookup = _LOOKUPS.get(node.op)
        if lookup is None:
            raise InvalidFilterException(detail=f"the operator {node.op} is not supported here")
        return column(lookup, node.value)

    def visit_present(self, node: Present) -> Q:
        return self._column(node.attr_path)("present", None)

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined

    def visit_value_path(self, node: ValuePath) -> Q:
        # emails[value eq "x"] and members[value eq "1"]: the inner comparison, on attr.sub.
        inner = node.val_filter
        if not isinstance(inner, Comparison):
            raise InvalidFilterException(detail="only one comparison inside [ ] is supported")
        column = self._column(node.attr_path, inner.attr_path.attr)
        lookup = _LOOKUPS.get(inner.op)
        if lookup is None:
            raise InvalidFilterException(detail=f"the operator {inner.op} is not supported here")
        return column(lookup, inner.value)
