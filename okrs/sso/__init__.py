"""Single sign-on through an OpenID provider (docs/sso.md)."""
