"""IAM policy evaluation, as AWS documents it, for the policies this project writes.

A request (an action on a resource, by a principal, with condition keys) is allowed when some
statement allows it and none denies it (an explicit deny wins; nothing said is a deny). Action,
NotAction, Resource, NotResource, Principal, NotPrincipal and Condition are honoured; condition
operators: String*, Arn*, Bool, Null, each with ``IfExists``. A key the request lacks fails a
positive operator and satisfies a negated one, as in AWS's evaluation logic. An operator this
module does not know raises, so a policy is never taken as allowing what it was not read to allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

Statement = Mapping[str, Any]


@dataclass(frozen=True)
class Request:
    action: str  # service:Action, as IAM names it (s3:GetObject)
    resource: str  # the resource's ARN, or "*"
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    principal: tuple[str, str] | None = None  # ("AWS", role ARN) or ("Service", "logs.<region>.amazonaws.com")


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _like(value: str, pattern: str) -> bool:
    return fnmatchcase(value, pattern)


def _arn_like(value: str, pattern: str) -> bool:
    """ArnLike compares the six colon-separated parts, each with * and ? wildcards."""
    parts, patterns = value.split(":", 5), pattern.split(":", 5)
    return len(parts) == len(patterns) == 6 and all(fnmatchcase(p, q) for p, q in zip(parts, patterns, strict=True))


_POSITIVE = {
    "StringEquals": lambda v, p: v == p,
    "StringEqualsIgnoreCase": lambda v, p: v.lower() == p.lower(),
    "StringLike": _like,
    "ArnEquals": lambda v, p: v == p,
    "ArnLike": _arn_like,
    "Bool": lambda v, p: v.lower() == str(p).lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _lookup(context: Mapping[str, Any], key: str) -> list[str] | None:
    for name, value in context.items():
        if name.lower() == key.lower():  # condition keys are case-insensitive
            return [str(v) for v in listed(value)]
    return None


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    values, patterns = _lookup(context, key), [str(p) for p in listed(expected)]
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator == "Null":
        return (values is None) == (patterns[0].lower() == "true")
    if operator not in _POSITIVE and operator not in _NEGATED:
        raise ValueError(f"condition operator {operator!r} is not evaluated by the local AWS")
    if values is None:
        return if_exists or operator in _NEGATED
    if operator in _POSITIVE:
        return any(_POSITIVE[operator](v, p) for v in values for p in patterns)
    return not any(_POSITIVE[_NEGATED[operator]](v, p) for v in values for p in patterns)


def _conditions_hold(statement: Statement, context: Mapping[str, Any]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, keys in (statement.get("Condition") or {}).items()
        for key, expected in keys.items()
    )


def _principal_matches(principal: Any, request: Request, accounts: bool = True) -> bool:
    """Whether a statement's Principal names the request's; an account (its root ARN or bare id)
    names every principal of that account unless ``accounts`` is False."""
    if principal == "*":
        return True
    if request.principal is None:
        return False
    kind, name = request.principal
    for candidate in listed(principal.get(kind, [])):
        if candidate in ("*", name):
            return True
        account = candidate.split(":")[4] if candidate.startswith("arn:") and candidate.endswith(":root") else candidate
        if (
            accounts
            and kind == "AWS"
            and account.isdigit()
            and name.startswith("arn:")
            and name.split(":")[4] == account
        ):
            return True
    return False


def _matches(statement: Statement, request: Request) -> bool:
    if "Action" in statement:
        if not any(fnmatchcase(request.action.lower(), a.lower()) for a in listed(statement["Action"])):
            return False
    elif any(fnmatchcase(request.action.lower(), a.lower()) for a in listed(statement.get("NotAction", []))):
        return False
    if "Resource" in statement:
        if not any(fnmatchcase(request.resource, r) for r in listed(statement["Resource"])):
            return False
    elif any(fnmatchcase(request.resource, r) for r in listed(statement.get("NotResource", []))):
        return False
    if "Principal" in statement and not _principal_matches(statement["Principal"], request):
        return False
    if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], request):
        return False
    return _conditions_hold(statement, request.context)


def decision(statements: Iterable[Statement], request: Request) -> str:
    """ "Deny" (a statement denies), "Allow" (one allows, none denies) or "ImplicitDeny"."""
    matching = [s["Effect"] for s in statements if _matches(s, request)]
    if "Deny" in matching:
        return "Deny"
    return "Allow" if "Allow" in matching else "ImplicitDeny"


def allows(statements: Iterable[Statement], request: Request) -> bool:
    return decision(statements, request) == "Allow"


def key_allows(key_policy: Iterable[Statement], identity: Iterable[Statement], request: Request) -> bool:
    """KMS's rule: the key policy decides. A statement naming the caller (or the service) allows
    by itself; one naming the caller's account delegates to the caller's IAM policies, which must
    allow too. A deny in either refuses."""
    key_policy, identity = list(key_policy), list(identity)
    if decision(key_policy, request) == "Deny" or (
        request.principal[0] == "AWS" and decision(identity, request) == "Deny"
    ):
        return False
    direct = [
        s for s in key_policy if s["Effect"] == "Allow" and _principal_matches(s.get("Principal", {}), request, False)
    ]
    if allows(direct, request):
        return True
    return decision(key_policy, request) == "Allow" and request.principal[0] == "AWS" and allows(identity, request)
