"""The registry of metric-source backends: each declares its parameters and fetches one number.

A key result's `source` (in the YAML and the web editor) is a mapping with `kind` naming the
backend and the backend's parameters. Parameters marked `secret` are never shown in a page, an
API answer, an export or the audit log. Adding a backend means one module with a `SourceBackend`
subclass decorated with `@register` (docs/metrics.md has the checklist).

Secrets never sit in a source mapping, so a plan file can be kept in git: a secret parameter is
filled from a named credential (`credential: prod-prometheus`, stored encrypted and managed by
admins on /settings/sources/), or written as `env:VARIABLE` to read it from the server's
environment at fetch time; only variables the operator lists in OKRS_SOURCE_ENV_ALLOWLIST may be
read that way, and never okrs's own OKRS_* settings (the server's key, its database URL).
`parse_source` turns a mapping into a typed `SourceConfig` or lists
every problem; `resolve_secrets` fills in the secret values just before a fetch.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from okrs.config import env
from okrs.metrics.sources.schedule import (
    DEFAULT_SCHEDULE,
    BadDuration,
    parse_duration,
    parse_schedule,
)

REGISTRY: dict[str, type[SourceBackend]] = {}

# Modules that register backends when imported; okrs.metrics.sources.apps imports them at start-up.
BACKEND_MODULES: list[str] = [
    "okrs.metrics.sources.backends.prometheus",
    "okrs.metrics.sources.backends.sql",
    "okrs.metrics.sources.backends.http_json",
    "okrs.metrics.sources.backends.pagerduty",
    "okrs.metrics.sources.backends.github",
    "okrs.metrics.sources.backends.jira",
    "okrs.metrics.sources.backends.dora",
]

# Parameters every source accepts besides its backend's own.
KIND = "kind"
SCHEDULE = "schedule"
CREDENTIAL = "credential"
COMMON_PARAMS = (KIND, SCHEDULE, CREDENTIAL)

ENV_PREFIX = "env:"
# The operator's list of environment variables sources may read (comma-separated). Empty by
# default: the server's environment holds its own secrets, and whoever binds a source decides
# where the value is sent.
ENV_ALLOWLIST_SETTING = "OKRS_SOURCE_ENV_ALLOWLIST"
# okrs's own settings (OKRS_SECRET_KEY, OKRS_DATABASE_URL, ...) are never readable, even listed.
_RESERVED_ENV_PREFIX = "OKRS_"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CREDENTIAL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SECRET_QUERY_NAME = re.compile(r"token|key|secret|passw|auth|sig", re.IGNORECASE)


class SourceError(Exception):
    """A fetch failed. Temporary failures are retried with backoff; permanent ones (bad
    query, revoked credentials, missing metric) flag the key result until its source changes."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Param:
    """One parameter of a backend.

    `type` says how the value is read: text, number, integer, list (of text), duration
    ("30d"), url (http or https, without user or password). `choices` limits text and list
    items. A secret parameter is never written in a source: it comes from a credential or an
    `env:VARIABLE` reference.

    `name` is what plan files write; `label` and `help` are for the web forms, in words.
    `options` (value, what people read) are the values the editor offers in a list: the stored
    value stays the code (`lead_time`), the page shows "Change lead time (hours)".
    """

    name: str
    help: str
    required: bool = True
    secret: bool = False
    default: Any = None
    type: str = "text"
    choices: tuple[str, ...] = ()
    label: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        """The field's name as a form shows it: `label`, or the name in words ("Window")."""
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ConfigProblem:
    """What is wrong with a source; `param` names the parameter (None: the source as a whole)."""

    param: str | None
    message: str


class SourceConfigInvalid(ValueError):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


class SourceBackend:
    """Base class: subclasses set `kind` and `params` and implement `fetch`.

    `config` holds every declared parameter with its typed value (defaults filled in, secrets
    resolved), plus `kind` and `schedule` as written.

    `url_param` names the parameter holding the URL the secrets are sent to (an HTTP backend's
    base URL or site): a credential is bound to one site and is only sent there.
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    url_param: ClassVar[str | None] = None

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def fetch(self, *, now: dt.datetime) -> float:
        raise NotImplementedError

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> list[ConfigProblem]:
        """Extra checks of the typed non-secret values (a query that cannot parse, ...)."""
        return []


def register(backend: type[SourceBackend]) -> type[SourceBackend]:
    if not backend.kind:
        raise ValueError(f"{backend.__name__} has no kind")
    REGISTRY[backend.kind] = backend
    return backend


def backend_for(kind: str) -> type[SourceBackend] | None:
    return REGISTRY.get(kind)


def secret_params(kind: str) -> frozenset[str]:
    backend = REGISTRY.get(kind)
    if backend is None:
        return frozenset()
    return frozenset(param.name for param in backend.params if param.secret)


# ---------------------------------------------------------------------------------------------
# Parsing a source mapping


@dataclass(frozen=True)
class SourceConfig:
    """A source as validated: typed values of the non-secret parameters, with defaults, and
    the secret ones as references (`env:...`) or left for the credential to fill."""

    kind: str
    backend: type[SourceBackend]
    schedule: dt.timedelta
    schedule_text: str
    credential: str | None
    values: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except OverflowError:
        # An integer of hundreds of digits has no float: a plain error, not a crash of apply.
        raise ValueError("is too large a number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return int(value)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be text")
    text = str(value)
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    if not text.strip():
        raise ValueError("cannot be blank")
    return text


def _url(value: Any) -> str:
    text = _text(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL (got '{text}')")
    if parts.username or parts.password:
        raise ValueError(
            "must not hold a user or password: store credentials in a credential "
            "(/settings/sources/) and name it with 'credential:'"
        )
    secret_looking = [name for name, _ in parse_qsl(parts.query) if _SECRET_QUERY_NAME.search(name)]
    if secret_looking:
        raise ValueError(
            f"must not carry a credential in its query ('{secret_looking[0]}'): use the "
            "source's secret parameter (from a credential or env:VARIABLE) instead"
        )
    return text.rstrip("/")


def _duration(value: Any) -> str:
    text = _text(value)
    try:
        parse_duration(text)
    except BadDuration as exc:
        raise ValueError(str(exc)) from exc
    return text


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "number": _number,
    "integer": _integer,
    "duration": _duration,
    "url": _url,
}


def _convert(param: Param, value: Any) -> Any:
    if param.type == "list":
        items = value if isinstance(value, list) else [value]
        converted = [_text(item) for item in items]
        for item in converted:
            if param.choices and item not in param.choices:
                raise ValueError(f"has '{item}': use {', '.join(param.choices)}")
        return converted
    converted = _CONVERTERS[param.type](value)
    if param.choices and converted not in param.choices:
        raise ValueError(f"must be one of {', '.join(param.choices)} (got '{converted}')")
    return converted


def is_env_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ENV_PREFIX)


def env_allowlist() -> frozenset[str]:
    """The environment variables sources may read, as the operator listed them."""
    listed = env(ENV_ALLOWLIST_SETTING) or ""
    return frozenset(name.strip() for name in listed.split(",") if name.strip())


def env_refusal(variable: str) -> str | None:
    """Why a source may not read `variable` from the server's environment; None if it may."""
    if variable.upper().startswith(_RESERVED_ENV_PREFIX):
        return (
            f"the environment variable {variable} is one of okrs's own settings: sources "
            "never read OKRS_* variables"
        )
    if variable not in env_allowlist():
        return (
            f"the environment variable {variable} is not in {ENV_ALLOWLIST_SETTING}: the "
            "server's operator lists there the variables sources may read (or an admin stores "
            "the secret in a credential on /settings/sources/)"
        )
    return None


def same_site(url: str, site: str) -> bool:
    """Whether `url` lies on `site`: the same scheme, host and port, and under its path.

    A credential's secret goes only to the site it was stored for, so that whoever binds a
    source cannot point a credential at a server of their own."""
    target, bound = urlsplit(url), urlsplit(site)
    if (target.scheme, target.hostname, _port(target)) != (
        bound.scheme,
        bound.hostname,
        _port(bound),
    ):
        return False
    prefix = bound.path.rstrip("/")
    return not prefix or target.path == prefix or target.path.startswith(prefix + "/")


def _port(parts: Any) -> int | None:
    try:
        port = parts.port
    except ValueError:
        return None
    if port is None:
        return {"http": 80, "https": 443}.get(parts.scheme)
    return int(port)


def parse_source(
    raw: Mapping[str, Any], *, credentials: Mapping[str, str] | None = None
) -> SourceConfig:
    """The typed form of a source mapping, or SourceConfigInvalid listing every problem.

    `credentials` maps the names of known credentials to their backend kind; when given, a
    `credential:` naming an unknown one (or one for another kind) is a problem too.
    """
    problems: list[ConfigProblem] = []

    def problem(param: str | None, message: str) -> None:
        problems.append(ConfigProblem(param, message))

    kind = raw.get(KIND)
    if not isinstance(kind, str) or not kind:
        known = ", ".join(sorted(REGISTRY)) or "none registered"
        problem(KIND, f"a source needs a 'kind' (one of: {known})")
        raise SourceConfigInvalid(problems)
    backend = REGISTRY.get(kind)
    if backend is None:
        guess = difflib.get_close_matches(kind, list(REGISTRY), n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else "known: " + ", ".join(sorted(REGISTRY))
        problem(KIND, f"unknown source kind '{kind}' ({hint})")
        raise SourceConfigInvalid(problems)

    declared = {param.name: param for param in backend.params}
    secrets = {name for name, param in declared.items() if param.secret}
    for name in raw:
        if name in COMMON_PARAMS or name in declared:
            continue
        allowed = [*declared, SCHEDULE] + ([CREDENTIAL] if secrets else [])
        guess = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else "known: " + ", ".join(allowed)
        problem(str(name), f"unknown parameter '{name}' for a {kind} source ({hint})")

    schedule_text = raw.get(SCHEDULE, DEFAULT_SCHEDULE)
    schedule = dt.timedelta(hours=1)
    try:
        schedule = parse_schedule(str(schedule_text) if schedule_text is not None else "")
    except BadDuration as exc:
        problem(SCHEDULE, f"'schedule' {exc}")

    credential = raw.get(CREDENTIAL)
    if credential is not None:
        if not secrets:
            problem(CREDENTIAL, f"a {kind} source takes no credential (it has no secrets)")
            credential = None
        elif not isinstance(credential, str) or not _CREDENTIAL_NAME.match(credential):
            problem(CREDENTIAL, "'credential' must be the name of a credential, like prod-db")
            credential = None
        elif credentials is not None and credential not in credentials:
            problem(
                CREDENTIAL,
                f"unknown credential '{credential}' (an admin adds it on /settings/sources/)",
            )
        elif credentials is not None and credentials[credential] != kind:
            problem(
                CREDENTIAL,
                f"credential '{credential}' is for {credentials[credential]} sources, not {kind}",
            )

    values: dict[str, Any] = {}
    for name, param in declared.items():
        value = raw.get(name)
        if param.secret:
            if value is None:
                if param.required and credential is None:
                    problem(
                        name,
                        f"a {kind} source needs '{name}' (secret): name a credential that "
                        f"holds it with 'credential:', or write {name}: env:VARIABLE",
                    )
                continue
            if not is_env_reference(value):
                problem(
                    name,
                    f"'{name}' is secret and must not be written in the source: store it in a "
                    f"credential (/settings/sources/) and name it with 'credential:', or write "
                    f"{name}: env:VARIABLE to read it from the server's environment",
                )
            elif not _ENV_NAME.match(value[len(ENV_PREFIX) :]):
                problem(name, f"'{name}': '{value}' is not an environment variable name")
            elif refusal := env_refusal(value[len(ENV_PREFIX) :]):
                problem(name, f"'{name}': {refusal}")
            else:
                values[name] = value
            continue
        if value is None:
            if param.required and param.default is None:
                problem(None, f"a {kind} source is missing the required parameter '{name}'")
            if param.default is not None:
                values[name] = _convert(param, param.default)
            continue
        try:
            values[name] = _convert(param, value)
        except ValueError as exc:
            problem(name, f"'{name}' {exc}")
    if not problems:
        problems.extend(backend.check(values))
    if problems:
        raise SourceConfigInvalid(problems)
    return SourceConfig(
        kind=kind,
        backend=backend,
        schedule=schedule,
        schedule_text=str(schedule_text),
        credential=credential if isinstance(credential, str) else None,
        values=values,
    )


def source_problems(
    raw: Mapping[str, Any], *, credentials: Mapping[str, str] | None = None
) -> list[ConfigProblem]:
    try:
        parse_source(raw, credentials=credentials)
    except SourceConfigInvalid as exc:
        return exc.problems
    return []


def resolve_secrets(
    config: SourceConfig,
    *,
    credential_values: Mapping[str, str] | None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The full configuration a backend fetches with: secrets from the environment (an
    `env:` reference) or the credential. A secret that cannot be found is a permanent error."""
    environ = os.environ if environ is None else environ
    resolved: dict[str, Any] = {KIND: config.kind, SCHEDULE: config.schedule_text}
    resolved.update(config.values)
    resolved[CREDENTIAL] = config.credential
    for param in config.backend.params:
        if not param.secret:
            continue
        value = config.values.get(param.name)
        if is_env_reference(value):
            variable = str(value)[len(ENV_PREFIX) :]
            # Checked again at each fetch: the allow-list may have shrunk since the source
            # was bound.
            refusal = env_refusal(variable)
            if refusal:
                raise SourceError(f"'{param.name}': {refusal}", permanent=True)
            if variable not in environ:
                raise SourceError(
                    f"'{param.name}' reads the environment variable {variable}, which is not "
                    "set on the server",
                    permanent=True,
                )
            resolved[param.name] = environ[variable]
        elif credential_values is not None and credential_values.get(param.name):
            resolved[param.name] = credential_values[param.name]
        elif param.required:
            where = f"credential '{config.credential}'" if config.credential else "the source"
            raise SourceError(f"{where} holds no '{param.name}'", permanent=True)
        else:
            resolved[param.name] = param.default
    return resolved
