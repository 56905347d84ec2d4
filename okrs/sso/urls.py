"""Where allauth finds the OpenID provider's pages (its registry imports PROVIDER.package.urls).

The names are allauth's own, so its templates and its provider's get_login_url find them.
"""

from __future__ import annotations

from allauth.socialaccount import app_settings
from django.urls import URLPattern, URLResolver, include, path, re_path

from okrs.sso import views

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(
        r"^(?P<provider_id>[^/]+)/",
        include(
            [
                path("login/", views.login, name="openid_connect_login"),
                path("login/callback/", views.callback, name="openid_connect_callback"),
            ]
        ),
    )
]
if app_settings.OPENID_CONNECT_URL_PREFIX:
    urlpatterns = [path(f"{app_settings.OPENID_CONNECT_URL_PREFIX}/", include(urlpatterns))]
