"""Security headers for every response (a strict CSP: no inline scripts, no third-party hosts)."""

from flask import Flask, current_app

from marketplace.public_urls import public_origin


def build_csp(config) -> str:
    """The platform's CSP. ``connect-src`` names only our own origin: 'self', and PUBLIC_URL's
    origin over WebSocket (ws: for http, wss: for https) for the live room's Socket.IO."""
    origin = public_origin(config)
    scheme, _, netloc = origin.partition("://")
    websocket = ("wss://" if scheme == "https" else "ws://") + netloc
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {websocket}",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def csp() -> str:
    """The current app's CSP (built once, when the app is created)."""
    return current_app.extensions["bxqx_csp"]


def init_app(app: Flask) -> None:
    """Build the CSP from the configuration and register the header hook."""
    policy = app.extensions["bxqx_csp"] = build_csp(app.config)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["SECURITY_HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
