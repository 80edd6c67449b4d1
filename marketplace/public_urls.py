"""Absolute URLs that leave the platform, always built from the configured ``PUBLIC_URL``.

A link in an e-mail, a PDF, an ``.ics`` file, an API response, the OpenAPI document, a Stripe
return address or a page's canonical link must never be built from the request: its ``Host`` (or
``X-Forwarded-Host`` behind a proxy) is whatever the client sent, and a reset link built from
``Host: evil.example`` hands the token to the attacker. This module is the one way to build them:

- ``public_url_for(endpoint, **values)``: like ``url_for(..., _external=True)``, on ``PUBLIC_URL``
  (also outside a request: jobs, the command line). Templates have it too.
- ``public_url(path)``: a path of this site (``/interests/3``) made absolute.
- ``public_origin()`` (``https://host[:port]``) and ``public_host()`` (the host name), which the
  live room's origin check, the CSP and the trusted hosts use.

``PUBLIC_URL`` defaults to ``http://HOST:PORT`` (``resolve_public_url``), so ``PORT=5100 make
run`` gives links, and a live room, on port 5100. In production, ``trusted_hosts`` is Flask's
``TRUSTED_HOSTS``: requests for any other host get 400.
"""

import os
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, has_request_context, request
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError

#: What ``HOST`` may be set to for listening on every interface; a browser cannot open it.
_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104  (names, not a bind)


def resolve_public_url(configured: str | None, environ=os.environ) -> str:
    """``PUBLIC_URL`` without its trailing slash, or ``http://HOST:PORT`` when it is not set.

    ``HOST`` and ``PORT`` are what wsgi.py (and gunicorn.conf.py) listen on. Raises
    ``RuntimeError`` with the reason when the value is not an http(s) URL with a host.
    """
    if not configured:
        host = environ.get("HOST", "127.0.0.1").strip()
        if host in _WILDCARD_HOSTS:
            host = "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address
        configured = f"http://{host}:{environ.get('PORT', '5000').strip()}"
    url = configured.strip().rstrip("/")
    parts = urlsplit(url)
    if (parts.scheme not in {"http", "https"} or not parts.hostname or parts.username is not None
            or parts.query or parts.fragment):
        raise RuntimeError(
            f"PUBLIC_URL must be the address users open, such as https://bxqx.example.gov.cn "
            f"(scheme, host, optional port and path), not {configured!r}.")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as error:
        raise RuntimeError(f"PUBLIC_URL has an invalid port: {configured!r}.") from error
    return url


def init_app(app: Flask) -> None:
    """Resolve ``PUBLIC_URL``; in production, trust only its host (plus EXTRA_TRUSTED_HOSTS)."""
    app.config["PUBLIC_URL"] = resolve_public_url(app.config.get("PUBLIC_URL"))
    if app.config.get("ENV_NAME") == "production":
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.register_error_handler(SecurityError, _untrusted_host)


def _untrusted_host(error):
    """A request for a host we do not serve: a plain 400 (no page: nothing links to that host)."""
    return current_app.response_class(
        _("This site is not served under that address.") + "\n", status=400, mimetype="text/plain")


def trusted_hosts(config) -> list[str]:
    """PUBLIC_URL's host and the configured extra hosts (a name starting with a dot: subdomains)."""
    extra = config.get("EXTRA_TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    hosts = [urlsplit(config["PUBLIC_URL"]).hostname]
    hosts += [name.strip().lower() for name in extra if name.strip()]
    return list(dict.fromkeys(hosts))


def public_url_for(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` on PUBLIC_URL (``_anchor`` is supported, as in url_for)."""
    app = current_app
    anchor = values.pop("_anchor", None)
    if endpoint.startswith(".") and has_request_context() and request.blueprint:
        endpoint = request.blueprint + endpoint
    app.inject_url_defaults(endpoint, values)
    parts = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                               url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url


def public_url(path: str = "/") -> str:
    """A path of this site (``/interests/3``) as an absolute URL on PUBLIC_URL."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"not a path of this site: {path!r}")
    return current_app.config["PUBLIC_URL"] + path


def public_origin(config=None) -> str:
    """``scheme://host[:port]`` of PUBLIC_URL, lower-cased (what a browser sends as Origin)."""
    parts = urlsplit((config or current_app.config)["PUBLIC_URL"])
    return f"{parts.scheme}://{parts.netloc}".lower()


def public_host(config=None) -> str:
    """The host name of PUBLIC_URL (for the UID of calendar entries)."""
    return urlsplit((config or current_app.config)["PUBLIC_URL"]).hostname


def path_on_this_site(url: str | None) -> str | None:
    """The path and query of ``url`` if it is a page of the site that served this request (a
    form's Referer), else None. Compared with the request's own host, which TRUSTED_HOSTS has
    already vetted in production, so a page reached under another trusted name still counts."""
    if not url or not has_request_context():
        return None
    parts = urlsplit(url)
    if parts.netloc != request.host or parts.scheme not in ("http", "https"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
