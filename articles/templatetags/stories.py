"""Template tags the stored story card and page use (``articles/rendering.py``), and pages may
use too: the lead image as ``<picture>`` and a moment as HTML's ``datetime`` takes it."""

from django import template

from .. import rendering

register = template.Library()

iso_datetime = register.filter(rendering.iso_datetime)


@register.simple_tag
def picture(article, sizes, lazy=True, css_class=""):
    """The lead image as ``<picture>``; ``lazy`` for images below the fold (not an article's
    own lead image). See ``articles.rendering.picture_html``."""
    return rendering.picture_html(article, sizes, lazy=lazy, css_class=css_class)
