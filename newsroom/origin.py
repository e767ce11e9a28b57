"""The site's one public origin: ``DJANGO_SITE_URL`` (settings.SITE_URL), e.g.
``https://news.example``.

It is the only source of the scheme, host and port of every absolute address the product
writes: canonical links, Open Graph and JSON-LD, feeds, sitemaps, robots.txt, ninjs exports.
Nothing is built from the request (``build_absolute_uri``, ``get_current_site``): a request
names a host, which Django checks against ``ALLOWED_HOSTS`` without its port, and a cached page
written with it would carry that host to every later reader (issue 24, docs/security.md).

``OriginMiddleware``, first in the middleware, answers 400 to a request whose ``Host`` (with its
port) is neither the origin nor one of ``SITE_ALIASES``. ``X-Forwarded-Host``, ``-Port`` and
``Forwarded`` are never read: Django ignores them unless told otherwise, and nothing here tells
it to.
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers

DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(value, name="DJANGO_SITE_URL"):
    """``value`` as a normalised origin ``scheme://host[:port]`` (lower case, no default port,
    no path); ImproperlyConfigured with one clear line for anything else."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name} must be an origin such as https://news.example (scheme, host and an "
            f"optional port; no path), not {value!r}."
        )
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


def parse_alias(value, site_url):
    """An alias (``www.news.example``, ``10.0.0.5:8000`` or a whole origin) as the
    ``host:port`` pair a request's Host header must match. With no port, the site's own."""
    text = value.strip()
    if "://" not in text:
        text = f"{urlsplit(site_url).scheme}://{text}"
    origin = parse_origin(text, name=f"DJANGO_SITE_ALIASES entry {value!r}")
    return host_and_port(urlsplit(origin).netloc, urlsplit(origin).scheme)


def host_and_port(netloc, scheme):
    """``("news.example", 443)`` from ``news.example`` under https; None when malformed."""
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


@functools.cache
def accepted(site_url, aliases):
    """The ``(host, port)`` pairs a request may name: the origin's and each alias's."""
    scheme = urlsplit(site_url).scheme
    return frozenset(
        {host_and_port(urlsplit(site_url).netloc, scheme)}
        | {parse_alias(alias, site_url) for alias in aliases}
    )


def absolute(path):
    """``path`` (``/articles/x/``) on the configured origin. A URL that is already absolute (a
    file on a storage with its own domain) is returned as it is."""
    if path.startswith(("http://", "https://")):
        return path
    if path.startswith("//"):
        return f"{urlsplit(settings.SITE_URL).scheme}:{path}"
    return settings.SITE_URL + (path if path.startswith("/") else f"/{path}")


def scheme():
    return urlsplit(settings.SITE_URL).scheme


def netloc():
    return urlsplit(settings.SITE_URL).netloc


def requested_host(request):
    """The host and port the client named: the Host header, or the server's name and port
    (as Django's ``get_host`` falls back to) when there is none."""
    host = request.META.get("HTTP_HOST")
    if host is None:
        host = request.META.get("SERVER_NAME", "")
        port = str(request.META.get("SERVER_PORT", ""))
        if port and port != ("443" if request.is_secure() else "80"):
            host = f"{host}:{port}"
    return host_and_port(host, scheme())


class OriginMiddleware:
    """400 for a request that names another host or port than the site's (or an alias's).
    First in the middleware: nothing later, the page cache included, ever sees such a request,
    and the answer itself is marked never to be stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = accepted(settings.SITE_URL, tuple(settings.SITE_ALIASES))
        if requested_host(request) not in allowed:
            response = HttpResponseBadRequest(
                b"Bad Request: this site does not answer for that host.",
                content_type="text/plain; charset=utf-8",
            )
            add_never_cache_headers(response)
            return response
        return self.get_response(request)
