"""The reader's filters for the article list. They only narrow: the view decides what is public."""

import django_filters
from django import forms
from django.db.models import Q

from .models import Article, Byline, Mention, Person, Tag


class ArticleFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ArticleFilter(django_filters.FilterSet):
    tag = django_filters.ModelMultipleChoiceFilter(
        label="Tags",
        field_name="tags__slug",
        to_field_name="slug",
        queryset=Tag.objects.all(),
        # Several tags narrow the list: a story must carry all of them.
        conjoined=True,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    person = django_filters.ModelChoiceFilter(
        label="Person (author or mentioned)",
        to_field_name="slug",
        queryset=Person.objects.all(),
        method="filter_person",
        empty_label="Anyone",
    )
    author = django_filters.ModelChoiceFilter(
        label="Author",
        to_field_name="slug",
        queryset=Person.objects.all(),
        method="filter_author",
        empty_label="Any author",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=Article.Kind.choices, empty_label="Any kind"
    )
    date_from = django_filters.DateFilter(
        label="From",
        field_name="published_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label="To",
        field_name="published_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Article
        fields = []
        form = ArticleFilterForm

    def filter_person(self, queryset, name, person):
        # Subqueries rather than joins: a person both credited and mentioned must not make a story
        # appear twice.
        return queryset.filter(
            Q(pk__in=Byline.objects.filter(person=person).values("article"))
            | Q(pk__in=Mention.objects.filter(person=person).values("article"))
        )

    def filter_author(self, queryset, name, person):
        return queryset.filter(pk__in=Byline.objects.filter(person=person).values("article"))
