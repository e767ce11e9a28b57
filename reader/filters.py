"""The reader's filters for the article list. They only narrow: the view decides what is public."""

import datetime
import functools
from html import escape

import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import search
from articles.models import Article, Byline, Mention, Person, TaggedArticle

from .cards import text
from .queries import TOPICS_IN_USE, listed_stories


def attributes(attrs):
    """``attrs`` as Django's ``flatatt`` writes them (sorted, valued ones first; True as a bare
    name; False and None left out), escaped by ``cards.text``."""
    valued = sorted((name, value) for name, value in attrs.items() if not isinstance(value, bool))
    bare = sorted(name for name, value in attrs.items() if value is True)
    return "".join(
        [f' {text(name)}="{text(value)}"' for name, value in valued if value is not None]
        + [f" {text(name)}" for name in bare]
    )


class ArticleFilterForm(forms.Form):
    def fields_html(self):
        """Every field as the filter panel shows it (label, error, input), in one pass. The
        template loop over the fields cost a list page about a millisecond: each lookup on a
        field in a template tries it as a key first (a BoundField looks its subwidgets up).
        Measured with and without, with the widgets below (``make ablation``, SQLite, 2,000
        articles): the list 9.59 -> 4.61 ms of CPU, 45% to 52% of every list page."""
        parts = []
        for field in self:
            errors = field.errors
            error = (
                f'<p class="field__error" id="{text(field.auto_id)}_error">'
                f"{text(' '.join(errors))}</p>\n  "
                if errors
                else ""
            )
            parts.append(
                f'<div class="field{" field--error" if errors else ""}">\n'
                f'  <label for="{text(field.id_for_label)}">{text(field.label)}</label>\n'
                f"  {error}{field.as_widget()}\n</div>"
            )
        return mark_safe("\n".join(parts))  # noqa: S308 - every value escaped by text()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def _people(self, field, people, missing):
        """Turn a typed name, alias or a page's slug into the matching people's ids.
        ``people`` makes the queryset to search, only when a name was typed: building it
        (an EXISTS for authors) costs more than the rest of an empty field's cleaning."""
        value = self.cleaned_data.get(field, "")
        if not value:
            return value
        ids = list(people().matching(value).values_list("pk", flat=True)[:50])
        if not ids:
            raise forms.ValidationError(missing, params={"name": value}, code="no_match")
        return ids

    def clean_person(self):
        return self._people(
            "person", Person.objects.in_use, "No one called “%(name)s” is in our stories."
        )

    def clean_author(self):
        return self._people(
            "author", Person.objects.authors, "No author called “%(name)s” writes for us."
        )


class OnePassInput:
    """An ``<input>`` written in Python rather than through Django's widget templates (two
    template renders per field, on every list page). Same attributes, same escaping."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        if value not in (None, ""):
            final_attrs["value"] = value
        return mark_safe(  # noqa: S308 - escaped by text() and attributes()
            f'<input type="{text(self.input_type)}" name="{text(name)}"{attributes(final_attrs)}>'
        )


class TextInput(OnePassInput, forms.TextInput):
    pass


class OnePassSelect(forms.Select):
    """A short ``<select>`` written in Python, as ``OnePassInput``."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        options = "".join(
            f'<option value="{text(choice)}"{" selected" if str(choice) == selected else ""}>'
            f"{text(label)}</option>"
            for choice, label in self.choices
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 - escaped by text() and attributes()
            f'<select name="{text(name)}"{attributes(final_attrs)}>{options}</select>'
        )


class DateInput(OnePassInput, forms.DateInput):
    """A native date picker. It can only hold a real date, so an invalid value typed into the
    address bar is left out (the form error says what was wrong) instead of making invalid HTML."""

    input_type = "date"

    def format_value(self, value):
        value = super().format_value(value)
        try:
            return datetime.date.fromisoformat(value).isoformat() if value else None
        except ValueError:
            return None


class Topics:
    """The topics readers can choose from, as the form needs them: slug to id, and the
    options already written as HTML. Made once per distinct list of topics (it changes only
    when a topic is first used, renamed or merged), not per request: escaping a few hundred
    names on every list page showed in the profile."""

    def __init__(self, rows):
        # Form classes made with these topics, by filterset class (see ArticleFilter).
        self.form_classes = {}
        self.ids = {slug: pk for slug, _, pk in rows}
        self.options = "".join(
            f'<option value="{escape(slug)}">{escape(name)}</option>' for slug, name, _ in rows
        )

    def options_html(self, selected):
        html = self.options
        for slug in selected:
            if slug in self.ids:
                # Values are unique and written exactly this way above, so this marks one.
                value = f'<option value="{escape(slug)}"'
                html = html.replace(f"{value}>", f"{value} selected>", 1)
        return html

    @classmethod
    @functools.lru_cache(maxsize=8)
    def of(cls, rows):
        """``rows``, a tuple of (slug, name, id), as ``Topics``, remembered for the next request
        with the same topics. What is in use is still read from the database on every request;
        only the work on the same answer is kept. Measured together with the other caches kept
        across requests: ``articles.addresses`` gives the figure."""
        return cls(rows)


NO_TOPICS = Topics(())


class TopicsSelect(forms.SelectMultiple):
    """The topics as one ``<select multiple>``, written from ``Topics``: Django's widget
    templates cost a template render per option, which for a few hundred topics was most of a
    list page's time: measured with and without (``make ablation``, SQLite, 2,000 articles),
    the list 39.70 -> 5.35 ms of CPU (87%)."""

    topics = NO_TOPICS

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(item) for item in (value or [])}
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = self.topics.options_html(selected)  # escaped in Topics
        return mark_safe(  # noqa: S308 - escaped by text() and attributes()
            f'<select name="{text(name)}" multiple{attributes(final_attrs)}>{options}</select>'
        )


class TopicsField(forms.MultipleChoiceField):
    """Slugs of topics readers can see. The topics are a ``Topics`` rather than Django
    choices, which every request would normalise and deep-copy, option by option."""

    widget = TopicsSelect

    def __init__(self, *, topics=NO_TOPICS, **kwargs):
        kwargs.pop("choices", None)
        super().__init__(**kwargs)
        self.topics = self.widget.topics = topics

    def valid_value(self, value):
        return value in self.topics.ids

    # Each chosen topic is one more EXISTS in the list's query: a query string naming a topic
    # 200 times cost PostgreSQL 80 seconds. A topic named twice counts once; past this many
    # different topics the form says so (a reader narrowing by more finds nothing anyway).
    max_topics = 10

    def clean(self, value):
        """The chosen topics' ids (the form shows and takes slugs), each once."""
        ids = list(dict.fromkeys(self.topics.ids[slug] for slug in super().clean(value)))
        if len(ids) > self.max_topics:
            raise forms.ValidationError(
                f"Choose at most {self.max_topics} topics.", code="too_many_topics"
            )
        return ids


class TopicsFilter(django_filters.Filter):
    """Stories carrying every chosen topic: an EXISTS per topic, by id. A join would repeat a
    story once per matching link and need DISTINCT over whole rows, which on PostgreSQL sorted
    every story of the topic (35 ms for a topic on 7% of 100,000 stories); the EXISTS lets the
    list walk the newest stories and stop at a page."""

    field_class = TopicsField

    def filter(self, queryset, value):
        for tag_id in value or ():
            queryset = queryset.filter(
                Exists(TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag_id=tag_id))
            )
        return queryset


def person_input(example):
    return TextInput(attrs={"placeholder": example, "autocomplete": "off"})


class ArticleFilter(django_filters.FilterSet):
    # Declared first so it comes first in the form; the filter only narrows and ranks.
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=200,
        widget=TextInput(attrs={"type": "search", "placeholder": "e.g. Syria talks"}),
    )
    # Several topics narrow the list: a story must carry all of them.
    tag = TopicsFilter(label="Topics", widget=TopicsSelect(attrs={"size": 6}))
    # People are typed (a name or alias) or come from a person page's link (a slug): a list of
    # every person would be too long to choose from and cost a query on every page.
    person = django_filters.CharFilter(
        label="Person (author or mentioned)",
        method="filter_person",
        max_length=200,
        widget=person_input("e.g. Putin"),
    )
    author = django_filters.CharFilter(
        label="Author",
        method="filter_author",
        max_length=200,
        widget=person_input("e.g. Jane Example"),
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=Article.Kind.choices, empty_label="Any kind", widget=OnePassSelect
    )
    date_from = django_filters.DateFilter(
        label="From",
        field_name="published_at",
        lookup_expr="date__gte",
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        label="To",
        field_name="published_at",
        lookup_expr="date__lte",
        widget=DateInput(),
    )

    class Meta:
        model = Article
        fields = []
        form = ArticleFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            # A NUL byte or other control character typed into the address bar is dropped
            # before anything sees it: it would be a server error on PostgreSQL and invalid
            # HTML when the form shows the value back.
            data = data.copy()
            for key, values in data.lists():
                data.setlist(key, [search.strip_control_characters(value) for value in values])
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        # Only tags readers can see (a tag used by a draft alone could give the story away),
        # fetched once for both validating and rendering the choices, when the form is made
        # (``narrowed`` uses the filters alone, and reads nothing). The form class is made
        # once per list of topics, not per request: django-filter builds a class and seven
        # fields every time (a tenth of a list page), and each form copies its fields anyway.
        topics = Topics.of(tuple(TOPICS_IN_USE.rows(now=timezone.now())))
        form_class = topics.form_classes.get(type(self))
        if form_class is None:
            self.filters["tag"].extra["topics"] = topics
            form_class = topics.form_classes[type(self)] = super().get_form_class()
        return form_class

    def filter_queryset(self, queryset):
        """django-filter's hook (``FilterView`` calls it through ``qs`` when the form is valid;
        ``ArticleListView`` binds the form even to an empty query string).

        The list is read through ``LISTED_STORIES``, compiled once, bound to the reader's
        choices: building ``queryset`` narrowed by them would cost 0.2 to 0.5 ms a request (a
        search's ranking, a topic's EXISTS), and compiling it as much again. A search on a
        database without a full-text index matches with ``contains``, which a compiled query
        cannot take: then django-filter's own filtering does it."""
        chosen = self.chosen_values()
        if chosen is None:
            return super().filter_queryset(queryset)
        now = timezone.now()
        if self.is_ranked:
            order, kept = self.ranking(chosen)
            return LISTED_STORIES.ranked(order, kept=kept, now=now, **chosen)
        return LISTED_STORIES.bind(now=now, **chosen)

    @classmethod
    def narrowed(cls, queryset, chosen):
        """``queryset`` narrowed by ``chosen`` (cleaned values by filter name, as
        ``chosen_values`` gives them): each filter's own ``filter()`` in turn, the loop of
        django-filter's ``filter_queryset()``, over values rather than a form. The compiled
        list is built with it, from stand-in values."""
        filters = cls(queryset=queryset).filters
        found = {key[2:]: value for key, value in chosen.items() if key.startswith("q_")}
        if found:
            queryset = search.ranked(queryset, **found)
        for name, value in chosen.items():
            if name in filters:
                queryset = filters[name].filter(queryset, value)
        return queryset

    def chosen_values(self):
        """The filters chosen (cleaned values by name, in the form's order), for ``narrowed``,
        a search as what ``search.matches`` found: ``{}`` for every story; None for a list
        ``narrowed`` cannot give (a form with errors shows no story; a database without a
        full-text index searches with ``contains``, which a compiled query cannot take)."""
        if not self.is_valid():
            return None
        chosen = {}
        for name, value in self.form.cleaned_data.items():
            if name == "q" and value:
                if self.matches is None or "found" not in self.matches:
                    return None
                chosen.update((f"q_{key}", found) for key, found in self.matches.items())
            elif value not in (None, "", []):
                chosen[name] = value
        return chosen

    @functools.cached_property
    def matches(self):
        """What the search found (``search.matches``) among the stories of the filterset's
        queryset (what readers may see), looked up once per request. The other filters
        chosen narrow those matches afterwards: checked as the search looks for its newest
        matches, a rare topic with a common word would have it read every match in the
        archive."""
        connection = connections[self.queryset.db]
        return search.matches(connection, self.form.cleaned_data["q"], among=self.queryset)

    def ranking(self, chosen):
        """The search's ids, best first (``search.best_first``), and whether they are the
        list's stories already: with nothing but the search in ``chosen`` (``chosen_values``),
        on a database whose search keeps only the queryset's stories (what readers may see)."""
        searched_only = all(name.startswith("q_") for name in chosen)
        kept = searched_only and search.keeps_among(connections[self.queryset.db])
        return search.best_first(self.matches), kept

    @property
    def is_ranked(self):
        """True when the results are in order of relevance (a search), not newest first."""
        return bool(self.is_bound and self.is_valid() and self.form.cleaned_data.get("q"))

    def filter_search(self, queryset, name, value):
        if self.matches is None:
            return queryset.none()
        return search.ranked(queryset, **self.matches)

    def filter_person(self, queryset, name, person_ids):
        # Subqueries rather than joins: a person both credited and mentioned must not make a story
        # appear twice.
        return queryset.filter(
            Q(pk__in=Byline.objects.filter(person__in=person_ids).values("article"))
            | Q(pk__in=Mention.objects.filter(person__in=person_ids).values("article"))
        )

    def filter_author(self, queryset, name, person_ids):
        return queryset.filter(
            pk__in=Byline.objects.filter(person__in=person_ids).values("article")
        )


# The list's pages, filtered and searched as ``ArticleFilter.filter_queryset()`` filters them,
# compiled once (``reader.queries.listed_stories``).
LISTED_STORIES = listed_stories(ArticleFilter.narrowed)
