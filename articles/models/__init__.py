"""The newsroom's domain: articles, the people they credit or mention, and their tags.

One module per part (``tags``, ``people``, ``queries``, ``articles``, ``records``), all
importable from here.
"""

from .articles import Article
from .people import Byline, Mention, MentionSuggestion, Person, PersonQuerySet
from .queries import RELATED_CANDIDATES, RELATED_SHORTLIST, ArticleQuerySet
from .records import Correction, Event, Revision
from .tags import Tag, TagAlias, TaggedArticle, TagQuerySet, TagRedirect

__all__ = [
    "RELATED_CANDIDATES",
    "RELATED_SHORTLIST",
    "Article",
    "ArticleQuerySet",
    "Byline",
    "Correction",
    "Event",
    "Mention",
    "MentionSuggestion",
    "Person",
    "PersonQuerySet",
    "Revision",
    "Tag",
    "TagAlias",
    "TagQuerySet",
    "TagRedirect",
    "TaggedArticle",
]
