"""Test data. Articles are published an hour ago unless a test says otherwise."""

import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Byline, Mention, Person, Tag
from articles.stored import batched


def jpeg_file(name="photo.jpg", size=(640, 360), colour=(40, 90, 140)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# Every state of a story that readers must not see, as ArticleFactory fields.
HIDDEN_STATES = {
    "draft": {"status": Article.Status.DRAFT, "published_at": None},
    "in review": {"status": Article.Status.IN_REVIEW, "published_at": None},
    "un-published": {"status": Article.Status.UNPUBLISHED},
    "withdrawn": {"status": Article.Status.WITHDRAWN},
    # Published, but its time has not come.
    "scheduled": {"published_at": timezone.now() + timedelta(days=1)},
}


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    description = "A person in the news"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Story number {n}")
    slug = factory.Sequence(lambda n: f"story-number-{n}")
    standfirst = "What happened, in a sentence."
    body = "First paragraph.\n\nSecond paragraph."
    kind = Article.Kind.NEWS
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    # Not updated since publication, as the publish transition leaves it.
    updated_at = factory.LazyAttribute(lambda article: article.published_at or timezone.now())

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)

    @classmethod
    def create(cls, **kwargs):
        # As the admin and the importer save a story with its topics: rendered once at the end
        # (stored.batched), not again for each topic. What is stored is the same.
        with batched():
            return super().create(**kwargs)


class BylineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Byline

    article = factory.SubFactory(ArticleFactory)
    person = factory.SubFactory(PersonFactory)


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    article = factory.SubFactory(ArticleFactory)
    person = factory.SubFactory(PersonFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


def staff_in_group(group_name, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user
