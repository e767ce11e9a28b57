"""Security plumbing shared by the whole site: response headers and login throttling."""

import logging

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# No inline script and no other origin anywhere on the public site.
PUBLIC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Django's admin sets a few inline style attributes; scripts stay same-origin only.
ADMIN_CSP = PUBLIC_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        response = self.get_response(request)
        policy = ADMIN_CSP if request.path.startswith(self.admin_prefix) else PUBLIC_CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body over ``REQUEST_MAX_BYTES`` (413) before anything reads it.

    Django caps the form fields of a request (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but not its
    files, which it streams to a temporary file whatever their size. This cap sits a little
    above the largest legitimate request (one image at its own limit plus the form), so an
    image over its limit but under this still gets the form's own error with the text kept.
    The front proxy's ``client_max_body_size`` should match it (docs/deploy.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads no body then either
        if size > settings.REQUEST_MAX_BYTES:
            megabyte = 1024 * 1024
            body = render_to_string(
                "413.html",
                {
                    "size_mb": -(-size // megabyte),
                    "limit_mb": settings.REQUEST_MAX_BYTES // megabyte,
                    "image_limit_mb": settings.IMAGE_MAX_BYTES // megabyte,
                },
            )
            response = HttpResponse(body, status=413)
            response["Cache-Control"] = "no-store"
            # The rest of the body is never read: the connection cannot be reused.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class ThrottledLoginAdminSite(AdminSite):
    """The admin site, where staff sign in.

    Sign-in is paused after ``LOGIN_FAILURE_LIMIT`` failures per user name or per address, for
    ``LOGIN_FAILURE_WINDOW`` seconds. django-axes does the counting (its backend, its middleware
    and its ``AccessAttempt`` rows, visible in the admin); this module only says how names are
    compared and what the paused page looks like. Counting in the database rather than the
    cache means a cache outage neither lifts the limit nor locks anyone out.
    """

    site_header = "Newsroom"
    site_title = "Newsroom admin"
    index_title = "The desk"


class SignInThrottle(AxesStandaloneBackend):
    """django-axes' check, first of the authentication backends.

    A sign-in made by code rather than a request (``Client.login()`` in the tests, a shell) has
    no address and no form to throttle: it goes to the next backend unchecked, instead of
    django-axes' error. Every sign-in over HTTP passes its request and is counted.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def sign_in_name(request, credentials):
    """The user name failures are counted under: ``Editor`` and ``editor `` are one name."""
    data = credentials or request.POST
    return str(data.get("username", "")).strip().lower()[:150]


def sign_in_paused(request, original_response=None, credentials=None):
    """django-axes' lockout response: the admin's own sign-in page, saying why (429)."""
    logger.warning("Sign-in paused for %s", sign_in_name(request, credentials))
    # Rendered now: django-axes' middleware returns it after the view's responses are rendered.
    response = render(
        request,
        "admin/login_throttled.html",
        {
            **admin.site.each_context(request),
            "title": "Too many attempts",
            "minutes": settings.LOGIN_FAILURE_WINDOW // 60,
        },
        status=429,
    )
    response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
    return response
