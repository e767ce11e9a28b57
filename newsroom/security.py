"""Security plumbing shared by the whole site: response headers and login throttling."""

import hashlib
import logging

from django.conf import settings
from django.contrib.admin import AdminSite
from django.core.cache import cache
from django.http import HttpResponse
from django.template.response import TemplateResponse

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


class ThrottledLoginAdminSite(AdminSite):
    """The admin site, with sign-in refused for a while after repeated failures.

    Failures are counted per user name and per client address in the shared cache, so every
    worker sees the same count. If the cache is down, sign-in still works (unthrottled) rather
    than locking everyone out.
    """

    site_header = "Newsroom"
    site_title = "Newsroom admin"
    index_title = "The desk"

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        keys = throttle_keys(request)
        if any(cache_get(key) >= settings.LOGIN_FAILURE_LIMIT for key in keys):
            logger.warning("Sign-in throttled for %s", request.POST.get("username", "")[:150])
            response = TemplateResponse(
                request,
                "admin/login_throttled.html",
                {
                    **self.each_context(request),
                    "title": "Too many attempts",
                    "minutes": settings.LOGIN_FAILURE_WINDOW // 60,
                },
                status=429,
            )
            response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
            return response
        response = super().login(request, extra_context)
        if request.user.is_authenticated:
            for key in keys:
                cache_call("delete", key)
        elif isinstance(response, HttpResponse | TemplateResponse) and response.status_code == 200:
            for key in keys:
                if not cache_call("add", key, 1, settings.LOGIN_FAILURE_WINDOW):
                    cache_call("incr", key)
        return response


def throttle_keys(request):
    username = request.POST.get("username", "").strip().lower()[:150]
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}", f"login-fail:addr:{address}"]


def cache_call(method, *args):
    try:
        return getattr(cache, method)(*args)
    except Exception:  # the cache being down must not stop people signing in
        logger.exception("Cache unavailable for login throttling")
        return None


def cache_get(key):
    return cache_call("get", key, 0) or 0
