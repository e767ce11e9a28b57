"""One guard, mixed into every desk admin, against parameters no person types.

Django's admin hands a few request values to the ORM unchecked, and each of these was a 500:
a changelist filter value (``?published_at__year=`` past a C long overflows, a NUL byte is a
database error on PostgreSQL), a search term (100 kB is "LIKE pattern too complex" on SQLite;
the same box is the autocomplete's ``term``), and an action's selected ids (``x`` or 2**64 is
a ``ValueError`` or an ``OverflowError``). The guard answers through the admin's own hooks:
an autocomplete re-rendered after a form error looks up only plausible ids (a posted
``bylines-0-person=x`` was a ``ValueError``), a filter value is refused with ``lookup_allowed``
(a 400, as Django refuses a filter it does not allow), an implausible search finds nothing
(a NUL is already the search form's error), and an implausible selection is a 400.
``docs/security.md``, "The desk", lists each case and its test.
"""

from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import BadRequest

# Longer than any name, slug, headline or date a filter link or a search box needs.
MAX_VALUE = 1000
# Ids are 64-bit signed integers (BigAutoField) on both databases.
MAX_ID = 2**63 - 1
# The date drill-down's parts and the values datetime() accepts for each.
DATE_PARTS = {"__year": range(1, 10_000), "__month": range(1, 13), "__day": range(1, 32)}


def plausible(value):
    """Whether ``value`` could come from a person: no NUL byte, not absurdly long, and, if it
    is a number, one that fits the database's integers."""
    value = str(value)
    if "\x00" in value or len(value) > MAX_VALUE:
        return False
    digits = value.strip().removeprefix("-").removeprefix("+")
    return not digits.isdecimal() or (len(digits) <= 19 and int(digits) <= MAX_ID)


def is_id(value):
    """Whether ``value`` is a row id as the admin writes one."""
    value = str(value)
    return value.isdecimal() and len(value) <= 19 and int(value) <= MAX_ID


def ids_from(text):
    """The ids in a comma-separated list, skipping anything that is not one."""
    return [int(part) for part in str(text).split(",")[:10_000] if is_id(part.strip())]


class GuardedAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        # The posted choice is shown again by looking it up: only if it can be an id.
        return super().optgroups(name, [pk for pk in value if is_id(pk)], attr)


class GuardedAdminMixin:
    """Put first in the bases of a ``ModelAdmin`` (or an inline, for its autocompletes)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = GuardedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def lookup_allowed(self, lookup, value, request):
        if not plausible(value):
            return False
        # The date drill-down builds datetime(year, month, day) from these: year 0 or month 13
        # would be a ValueError.
        for part, allowed in DATE_PARTS.items():
            if lookup.endswith(part):
                text = str(value)
                if not (text.isdecimal() and len(text) <= 4 and int(text) in allowed):
                    return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        if not plausible(search_term):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request, extra_context=None):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_id(pk) for pk in selected):
            raise BadRequest("The selection names no article, person or tag.")
        return super().changelist_view(request, extra_context)
