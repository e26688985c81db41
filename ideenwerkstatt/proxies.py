"""Behind nginx: the visitor's address and scheme from X-Forwarded-For and -Proto, believed
only when the request comes from a proxy named in TRUSTED_PROXIES.

Without it every request behind nginx comes from nginx's address: the rate limits counted per
address (logins, registrations, unknown join codes) would count the whole town as one
visitor, and `request.scheme` would be http behind TLS. Werkzeug's ProxyFix reads the
headers; it cannot tell who sent them, so it is applied only to requests whose REMOTE_ADDR is
one of the trusted proxies (addresses or networks). A request reaching the app server from
anywhere else keeps its own address, whatever headers it carries. Empty (the default):
the headers are ignored, as for a server that faces the internet itself.
"""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(value: str) -> tuple[Network, ...]:
    """'127.0.0.1, 10.0.0.0/24' -> networks; a wrong entry stops the start with its name."""
    networks = []
    for entry in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is no address or network") from error
    return tuple(networks)


class TrustedProxyFix:
    """WSGI middleware: ProxyFix (one proxy hop: nginx sets X-Forwarded-For to the address
    it saw, and X-Forwarded-Proto) for requests from a trusted proxy, nothing for others."""

    def __init__(self, wsgi_app, networks: tuple[Network, ...]):
        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)
        self.networks = networks

    def trusted(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)


def init_app(app) -> None:
    networks = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES", ""))
    if networks:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, networks)
