"""The Bolt app, built on first use from settings and rebuilt when they change.

Bolt verifies every request to /slack/events/ (signing secret, 5-minute window) before any
listener runs, authorises it against our installation store, and answers Slack as soon as a
listener calls ack(); slow work runs in lazy listeners on Bolt's thread pool.

SLACK_RUN_LISTENERS_INLINE (a Django setting, False by default) runs listeners and lazy
listeners in the request's own thread, before the response: the tests use it so that what a
click does has happened when the request returns, inside the test's transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.django import SlackRequestHandler
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.lazy_listener.internals import build_runnable_function
from slack_bolt.lazy_listener.runner import LazyListenerRunner
from slack_bolt.listener.listener_completion_handler import ListenerCompletionHandler
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings

from okrs.channels.slack import handlers
from okrs.channels.slack.people import web_client
from okrs.channels.slack.stores import DjangoInstallationStore, DjangoOAuthStateStore

logger = logging.getLogger(__name__)

BOT_SCOPES = ("chat:write", "im:write", "commands", "users:read", "users:read.email")
INSTALL_PATH = "/slack/install/"
REDIRECT_PATH = "/slack/oauth_redirect/"

ENV_NAMES = {
    "SLACK_CLIENT_ID": "OKRS_SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET": "OKRS_SLACK_CLIENT_SECRET",
    "SLACK_SIGNING_SECRET": "OKRS_SLACK_SIGNING_SECRET",
}


def missing_settings() -> list[str]:
    """The environment variables still to set before Slack can work (empty: configured)."""
    return [env for name, env in ENV_NAMES.items() if not getattr(settings, name, "")]


def is_configured() -> bool:
    return not missing_settings()


def authorization_url(api_url: str) -> str:
    """Slack's "authorize" page beside its Web API (GovSlack: slack-gov.com)."""
    base = api_url.rstrip("/").removesuffix("/api")
    return f"{base}/oauth/v2/authorize"


class InlineLazyListenerRunner(LazyListenerRunner):
    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        self.run(function, request)


class ClosingLazyListenerRunner(LazyListenerRunner):
    """Runs a lazy listener on Bolt's pool and then closes the thread's database connections.

    Bolt's threads are not request threads, so Django never closes their connections: an idle
    pool thread would hold one open for good (Bolt's own Django runner only drops old ones).
    """

    def __init__(self, logger: logging.Logger, executor: Executor) -> None:
        self.logger = logger
        self.executor = executor

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        runnable = build_runnable_function(func=function, logger=self.logger, request=request)

        def run() -> None:
            try:
                runnable()
            finally:
                connections.close_all()

        self.executor.submit(run)


class CloseConnections(ListenerCompletionHandler):
    """The same for the listener that acknowledges (it runs on the pool too)."""

    def handle(self, request: BoltRequest, response: BoltResponse | None) -> None:
        connections.close_all()


# The OAuth callback reports back through the BoltRequest's context, which the Django view
# created: it then answers with a redirect to the settings page and a message.
OUTCOME = "okrs_oauth_outcome"


@dataclass(frozen=True)
class OAuthOutcome:
    installed: bool
    reason: str = ""  # why it failed, in Bolt's words ("invalid_state", "access_denied"...)
    enterprise_id: str = ""
    team_id: str = ""
    team_name: str = ""


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    args.request.context[OUTCOME] = OAuthOutcome(
        installed=True,
        enterprise_id=installation.enterprise_id or "",
        team_id=installation.team_id or "",
        team_name=installation.team_name or installation.team_id or "",
    )
    return BoltResponse(status=200, body="")


def _failed(args: FailureArgs) -> BoltResponse:
    args.request.context[OUTCOME] = OAuthOutcome(installed=False, reason=args.reason)
    if args.error is not None:
        logger.warning("slack: installation failed: %s (%s)", args.reason, type(args.error))
    return BoltResponse(status=args.suggested_status_code, body="")


@dataclass(frozen=True)
class _Config:
    client_id: str
    client_secret: str
    signing_secret: str
    api_url: str
    base_url: str
    inline: bool


def _config() -> _Config:
    return _Config(
        settings.SLACK_CLIENT_ID or "",
        settings.SLACK_CLIENT_SECRET or "",
        settings.SLACK_SIGNING_SECRET or "",
        settings.SLACK_API_URL,
        settings.BASE_URL,
        bool(getattr(settings, "SLACK_RUN_LISTENERS_INLINE", False)),
    )


def build_app(config: _Config) -> tuple[App, SlackRequestHandler]:
    oauth_settings = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=f"{config.base_url}{REDIRECT_PATH}",
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # Our own "Add to Slack" button is on /settings/slack/: go straight to Slack.
        install_page_rendering_enabled=False,
        authorization_url=authorization_url(config.api_url),
        installation_store=DjangoInstallationStore(),
        installation_store_bot_only=True,
        state_store=DjangoOAuthStateStore(expiration_seconds=600),
        callback_options=CallbackOptions(success=_installed, failure=_failed),
    )
    # Bolt checks the stored token with auth.test before each request; its answer (bot and
    # team ids) does not change for a token, so it is asked once per token and process: one
    # round trip less before every ack(). A revoked token still fails at the next API call.
    oauth_settings.authorize = InstallationStoreAuthorize(
        logger=logger,
        client_id=config.client_id,
        client_secret=config.client_secret,
        installation_store=oauth_settings.installation_store,
        bot_only=True,
        cache_enabled=True,
    )
    app = App(
        signing_secret=config.signing_secret,
        oauth_settings=oauth_settings,
        client=web_client(),
        process_before_response=config.inline,
        # Not a single-workspace app: no token, and no auth.test on start.
        token_verification_enabled=False,
        logger=logger,
    )
    handlers.register(app)
    handler = SlackRequestHandler(app)
    runner = app.listener_runner
    if config.inline:
        runner.lazy_listener_runner = InlineLazyListenerRunner(app.logger)
    else:
        runner.lazy_listener_runner = ClosingLazyListenerRunner(
            app.logger, runner.listener_executor
        )
        runner.listener_completion_handler = CloseConnections()
    return app, handler


_lock = threading.Lock()
_built: dict[_Config, tuple[App, SlackRequestHandler]] = {}


def request_handler() -> SlackRequestHandler:
    """The handler for the current settings (which tests may change between requests)."""
    config = _config()
    with _lock:
        if config not in _built:
            _built.clear()
            _built[config] = build_app(config)
        return _built[config][1]
