"""``zwk-kb serve --server gunicorn``: several worker processes for big toolkits (not on Windows).

Why a second server: waitress is one process, so one slow search holds the GIL for every other
visitor; gunicorn forks workers that each open the shared, read-only index. The rules of the
waitress path in ``cli.serve`` hold here too: ``Server: zwk-kb`` without a version, no access
log, bounded requests, forwarded headers only from the one trusted proxy, the same URL prefix.
Only ``cli.serve`` imports this module, and only after checking that gunicorn can run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import gunicorn.http.wsgi
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from zwk_kb.config import Settings
from zwk_kb.web import create_server_app

SERVER_NAME = "zwk-kb"
"""What the ``Server`` header says (waitress: ``ident="zwk-kb"``); never a version."""

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

FORWARDED_KEYS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

# Limits for a read-only site, as close to the waitress path as gunicorn allows.
LIMITS: dict[str, Any] = {
    "limit_request_line": 8190,  # gunicorn's maximum; longer addresses get 414
    "limit_request_fields": 100,
    "limit_request_field_size": 8190,  # a longer header line gets 431
    "worker_connections": 200,  # open connections per process (waitress: connection_limit)
    "timeout": 30,  # a worker silent for 30 s is replaced
    "graceful_timeout": 10,  # on stop, running requests get 10 s
    "keepalive": 5,
}


class UrlPrefix:
    """Serve under a path such as ``/werkzeugkoffer``, exactly like waitress' ``url_prefix``:
    the prefix becomes ``SCRIPT_NAME``; other paths reach the app unchanged (and find nothing)."""

    def __init__(self, app: WsgiApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/"):
            path = "/" + path.lstrip("/")
        if path == self.prefix:
            path = ""
        elif path.startswith(self.prefix + "/"):
            path = path[len(self.prefix) :]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
        environ["PATH_INFO"] = path
        return self.app(environ, start_response)


class TrustedProxy:
    """``X-Forwarded-For/-Proto/-Host`` count only when the request comes from the trusted proxy
    (``*`` = any); from anyone else they are removed, so nobody can fake an address or scheme."""

    def __init__(self, app: WsgiApp, proxy: str) -> None:
        self.app = app
        self.proxy = proxy
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)  # type: ignore[arg-type]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.proxy == "*" or environ.get("REMOTE_ADDR") == self.proxy:
            return self.fixed(environ, start_response)  # type: ignore[arg-type]
        for key in FORWARDED_KEYS:
            environ.pop(key, None)
        return self.app(environ, start_response)


def bind_address(host: str, port: int) -> str:
    """``host:port`` as gunicorn wants it; IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def options(settings: Settings) -> dict[str, Any]:
    """gunicorn settings for ``settings``: gthread workers, quiet logs, no control socket."""
    return {
        "bind": [bind_address(settings.host, settings.port)],
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        "preload_app": False,  # each worker builds its own app (and index handles) after fork
        "accesslog": None,  # like waitress: no access log; the reverse proxy keeps one
        "errorlog": "-",  # errors and worker restarts go to stderr
        "loglevel": "warning",
        "forwarded_allow_ips": "",  # gunicorn itself trusts no proxy; see TrustedProxy
        "proc_name": SERVER_NAME,
        # gunicorn >= 25 opens a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn; a second
        # instance on the same machine would collide with it, and nobody here needs it
        "control_socket_disable": True,
        **LIMITS,
    }


def wrap(app: WsgiApp, *, trusted_proxy: str | None, url_prefix: str) -> WsgiApp:
    """The app with the proxy and prefix handling the waitress path gets from waitress."""
    if trusted_proxy:
        app = TrustedProxy(app, trusted_proxy)
    if url_prefix:
        app = UrlPrefix(app, url_prefix)
    return app


class ZwkGunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn started from Python: options from ``Settings``, never from gunicorn's own
    command line or config files; each worker calls ``factory`` once after it is forked."""

    def __init__(self, factory: Callable[[], WsgiApp], config: dict[str, Any]) -> None:
        self.factory = factory
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.config.items():
            if key in self.cfg.settings:  # e.g. control_socket_disable only in newer versions
                self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self.factory()


def hide_version() -> None:
    """gunicorn sends ``Server: gunicorn`` and puts its version into ``SERVER_SOFTWARE``; name
    only zwk-kb instead (read per response, so setting it before the workers fork suffices)."""
    gunicorn.http.wsgi.SERVER = SERVER_NAME  # type: ignore[attr-defined]
    gunicorn.http.wsgi.SERVER_SOFTWARE = SERVER_NAME  # type: ignore[attr-defined]


def serve(settings: Settings, *, trusted_proxy: str | None = None, url_prefix: str = "") -> None:
    """Run until stopped (SIGTERM, Strg+C); gunicorn exits the process with its own code."""

    def factory() -> WsgiApp:
        return wrap(create_server_app(settings), trusted_proxy=trusted_proxy, url_prefix=url_prefix)

    hide_version()
    ZwkGunicorn(factory, options(settings)).run()
