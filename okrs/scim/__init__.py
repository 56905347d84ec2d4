"""Provisioning by an identity provider: SCIM 2.0 (RFC 7643/7644) at /scim/v2/ (docs/scim.md)."""
