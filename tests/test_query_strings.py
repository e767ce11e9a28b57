"""Hostile query strings on every public list: a page, a form error, a 400 or a 404, never a 500.

Named cases cover what attackers and broken links actually send; hypothesis then throws
arbitrary text, numbers and repetitions at every parameter of the list, search and feeds.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ArticleFactory, MentionFactory, PersonFactory

pytestmark = pytest.mark.django_db

LIST = reverse("reader:article_list")
ACCEPTABLE = {200, 301, 302, 400, 404}
PARAMETERS = [
    "q",
    "tag",
    "person",
    "author",
    "kind",
    "date_from",
    "date_to",
    "page",
    "before",
    "after",
]


@pytest.fixture
def archive():
    person = PersonFactory(name="Vladimir Putin", slug="vladimir-putin", aliases="Putin")
    for number in range(3):
        article = ArticleFactory(headline=f"Election story {number}", tags=["Russia", "US"])
        MentionFactory(article=article, person=person)


NAMED = [
    {"q": "\x00"},
    {"q": "a\x00b", "tag": "russia\x00"},
    {"q": "'; DROP TABLE articles_article; --"},
    {"q": '" OR 1=1 --'},
    {"q": 'NEAR(a b) AND OR NOT * ^ : " ('},
    {"q": "x" * 10000},
    {"q": "<script>alert(1)</script>"},
    {"q": "\u202e\u200b\ufeff\U0001f600 ünïcödé Ω"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999999999999999999999"},
    {"page": "1e9"},
    {"page": "last"},
    {"date_from": "2015-02-30"},
    {"date_from": "0000-00-00"},
    {"date_from": "9999-12-31", "date_to": "0001-01-01"},
    {"date_to": "2015-10-16T00:00:00\x00"},
    {"kind": "editorial"},
    {"tag": ["russia"] * 200},
    {"tag": "../../etc/passwd"},
    {"person": "%"},
    {"person": "_"},
    {"author": "x" * 500},
    {"before": "not-a-cursor"},
    {"before": "2015-10-16T18:00:00-99999999999999999999"},
    {"after": "9999-99-99T99:99:99-1"},
    {f"extra{n}": "x" for n in range(300)},
]


@pytest.mark.parametrize("params", NAMED)
def test_named_hostile_query_strings_never_cause_a_server_error(client, archive, params):
    response = client.get(LIST, params)
    assert response.status_code in ACCEPTABLE, params
    if response.status_code == 200:
        assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize(
    "raw",
    [
        "q=%ED%A0%80",
        "q=%FF%FE%00",
        "tag=%C0%AF",
        "page=%00",
        "q&q&q",
        "=&=&",
        "q=%",
        "date_from=%E2%80%AE",
    ],
)
def test_broken_encodings_in_the_raw_query_string_never_cause_a_server_error(client, archive, raw):
    assert client.get(f"{LIST}?{raw}").status_code in ACCEPTABLE


@pytest.mark.parametrize(
    "url",
    [
        reverse("reader:home"),
        reverse("reader:tag_list"),
        reverse("reader:person_list"),
        reverse("reader:correction_list"),
        "/feeds/latest/",
        "/feeds/latest/atom/",
        "/sitemap.xml",
        "/tags/russia/",
        "/people/vladimir-putin/",
    ],
)
@pytest.mark.parametrize(
    "params",
    [{"page": "-1"}, {"page": "\x00"}, {"page": "9" * 40}, {"before": "\x00"}, {"q": "\x00"}],
)
def test_other_public_urls_take_hostile_parameters_without_a_server_error(
    client, archive, url, params
):
    assert client.get(url, params).status_code in ACCEPTABLE


@pytest.mark.parametrize(
    "path",
    [
        "/tags/%00/",
        "/people/%00/",
        "/articles/%00/",
        "/tags/" + "a" * 5000 + "/",
        "/articles/..%2f/",
    ],
)
def test_hostile_paths_are_not_found(client, archive, path):
    assert client.get(path).status_code in {400, 404}


text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from(["", "0", "-1", "1e100", "2015-10-16", "russia", "Putin", "\x00", "%", "*"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(PARAMETERS), st.lists(text, min_size=1, max_size=3), max_size=6
    )
)
def test_any_combination_of_list_parameters_never_causes_a_server_error(client, archive, params):
    response = client.get(LIST, params)
    assert response.status_code in ACCEPTABLE, params


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=text)
def test_any_search_text_gives_a_results_page(client, archive, query):
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200, repr(query)
