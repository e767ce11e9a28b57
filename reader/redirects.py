"""Old addresses of merged tags: a tag merged into another leaves a ``TagRedirect``, and its page
and feeds answer a permanent redirect to the kept tag's, so links and feed readers follow.

Shaped as Django's ``contrib.redirects`` fallback middleware: it acts only on a 404, so the
views know nothing of merges. ``contrib.redirects`` itself is not used because it keys its
table by the sites framework, which this project does not install, and by whole paths, where a
merge moves one slug under three routes.
"""

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve, reverse

from articles.models import TagRedirect

# The routes of a tag that follow it to the tag it was merged into.
TAG_ROUTES = {"reader:tag_detail", "reader:tag_feed", "reader:tag_atom_feed"}


class MergedTagRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return response
        if match.view_name not in TAG_ROUTES:
            return response
        kept = TagRedirect.kept_tag(match.kwargs["slug"])
        if kept is None:
            return response
        location = reverse(match.view_name, kwargs={"slug": kept.slug})
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)
