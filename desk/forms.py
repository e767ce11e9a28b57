from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from articles import checks, workflow
from articles.models import Article, Correction, MentionSuggestion, Person, Tag
from articles.uploads import ACCEPT, NOT_AN_IMAGE, clean_image_upload

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length

# Edits to these change what readers read, so on a public article they need a change kind.
PUBLIC_TEXT_FIELDS = ["headline", "standfirst", "body"]


class SuggestionChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, suggestion):
        if suggestion.found_as == suggestion.person.name:
            return suggestion.person.name
        return f"{suggestion.person.name} (named “{suggestion.found_as}”)"


class ArticleAdminForm(forms.ModelForm):
    """The editor's form. It edits content only; the state moves through ``workflow``.

    ``opened_version`` is the article's version when the form was opened: saving a form opened
    before someone else's save (an editor's, or a moderator's take-down) is refused as a
    conflict, with the editor's text kept in the form.
    """

    workflow = forms.ChoiceField(
        label="On save",
        required=False,
        help_text="Leave as it is to save without changing the state. To publish later, set a "
        "publication time in the future: the story appears by itself at that time.",
    )
    change_kind = forms.ChoiceField(
        label="What kind of change is this?",
        required=False,
        choices=[("", "---------"), *Correction.Kind.choices],
        help_text="Asked when you change the text of a published story. A correction or "
        "clarification adds a dated public note at the foot of the story and to the "
        "corrections page; an update shows an “Updated” line; a typo fix adds nothing.",
    )
    change_note = forms.CharField(
        label="Public note",
        required=False,
        max_length=Correction._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was wrong and what is right now. Readers see it.",
    )
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The known people the text names, offered by the scan made when the article is saved;
    # nothing is linked until an editor ticks them here (or ticks "Link all of them").
    accept_people = SuggestionChoiceField(
        queryset=MentionSuggestion.objects.none(),
        required=False,
        label="Link as people mentioned",
        help_text="Tick the people this story is about; add their role in the inline below.",
    )
    link_all_people = forms.BooleanField(
        required=False,
        label="Link all of them",
        help_text="Links every person listed here when you save.",
    )
    dismiss_people = SuggestionChoiceField(
        queryset=MentionSuggestion.objects.none(),
        required=False,
        label="Not about them",
        help_text="Ticked people are no longer suggested for this story.",
    )

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "kind",
            "standfirst",
            "body",
            "tags",
            "lead_image",
            "lead_image_alt",
            "lead_image_caption",
            "lead_image_credit",
            "published_at",
        ]
        widgets = {
            "standfirst": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 24}),
            "lead_image": forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        }
        error_messages = {"lead_image": {"invalid_image": NOT_AN_IMAGE}}

    # The admin sets the requesting user on a subclass (ArticleAdmin.get_form), and the uploads
    # it stored before the transaction (desk/admin/images.py).
    user = None
    prepared_images = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        article = self.instance
        if "opened_version" in self.fields:
            self.fields["opened_version"].initial = article.version
        if "workflow" in self.fields:
            self.fields["workflow"].choices = self.workflow_choices()
        pending = MentionSuggestion.objects.none()
        if article.pk:
            pending = article.mention_suggestions.pending().select_related("person")
        for name in ["accept_people", "dismiss_people"]:
            if name in self.fields:
                self.fields[name].queryset = pending
        published_at = self.fields.get("published_at")
        if published_at is not None and hasattr(published_at.widget, "widgets"):
            # The admin's date and time boxes are labelled only by text beside them.
            date, time = published_at.widget.widgets
            date.attrs.setdefault("aria-label", "Publication date")
            time.attrs.setdefault("aria-label", "Publication time")
        fixed_time = article.pk and (article.is_public or article.status in TAKEN_DOWN)
        if fixed_time and "published_at" in self.fields:
            # The original publication time stays: moving it would re-date the story or, set in
            # the future, take it down without a moderator.
            self.fields["published_at"].disabled = True
            self.fields["published_at"].help_text = "Fixed once the story has been public."

    def workflow_choices(self):
        article, user = self.instance, self.user
        status = article.status if article.pk else Article.Status.DRAFT
        choices = [("", f"Keep the state ({article.state_label if article.pk else 'Draft'})")]
        if user is None:
            return choices
        for move in workflow.available(status, user, confirmed=False):
            if move.step != "publish":
                choices.append((move.step, move.label))
            elif status != Article.Status.PUBLISHED or article.is_scheduled:
                # A published story moves again only while it waits for its time.
                choices.append(
                    (move.step, f"{move.label} (or schedule, with a future publication time)")
                )
        return choices

    def clean_lead_image(self):
        value = clean_uploaded_image(self, "lead_image")
        prepared = self.prepared_images.get("lead_image")
        if prepared is not None and value == prepared.name:
            # Made before the transaction: Article.save finds them and makes none.
            self.instance.lead_image_renditions = prepared.renditions
        return value

    def clean_tags(self):
        # TagField has no per-tag length check: without this a long tag saves on SQLite and is a
        # database error on PostgreSQL.
        tags = self.cleaned_data["tags"]
        too_long = [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                "Each tag can be at most %(limit)d characters; this one is longer: “%(tag)s…”.",
                params={"limit": TAG_MAX_LENGTH, "tag": too_long[0][:40]},
                code="tag_too_long",
            )
        # Aliases become their tag ("U.S." is "US") and "us" is the existing "US".
        return Tag.objects.canonical_names(tags)

    def clean(self):
        data = super().clean()
        if "published_at" in self.fields and self.fields["published_at"].disabled:
            # The form's copy of a fixed time has lost its microseconds; keep the stored one.
            data["published_at"] = self.instance.published_at
        self.check_version(data.get("opened_version"))
        if data.get("lead_image") and not data.get("lead_image_alt"):
            self.add_error("lead_image_alt", "Describe the image for readers who cannot see it.")
        if self.instance.pk and self.instance.is_public:
            self.check_change_kind(data)
        if data.get("workflow") == "publish":
            self.check_before_publishing(data)
        both = set(data.get("accept_people") or []) & set(data.get("dismiss_people") or [])
        if both:
            self.add_error(
                "dismiss_people",
                "Choose either to link or to turn down: "
                + ", ".join(sorted(suggestion.person.name for suggestion in both))
                + ".",
            )
        return data

    def check_version(self, submitted):
        article = self.instance
        if article.pk is None:
            return
        # Lock the row until this save commits, so two saves cannot both pass the check.
        current = Article.objects.select_for_update().filter(pk=article.pk).first()
        if current is None:
            raise forms.ValidationError("This article has been deleted.", code="deleted")
        if submitted != current.version:
            last = current.revisions.select_related("author").first()
            who = f" by {last.author}" if last and last.author else ""
            when = timezone.localtime(current.modified_at).strftime("%d %b %Y %H:%M")
            raise forms.ValidationError(
                "Someone else saved this article%(who)s at %(when)s, after you opened it, so "
                "your changes were not saved (that would have overwritten theirs). Your text is "
                "still in the form below: copy what you changed, reload the page to see the "
                "latest version, and apply your changes again.",
                params={"who": who, "when": when},
                code="conflict",
            )

    def check_before_publishing(self, data):
        # Article.publish refuses these too; said here, the editor's text stays in the form.
        problems = checks.blocking_problems(form_copy(self, data))
        if problems:
            self.add_error(
                "workflow",
                ["Not published: fix what the checks panel marks as blocking first."]
                + [problem.message for problem in problems],
            )

    def check_change_kind(self, data):
        changed_text = [name for name in PUBLIC_TEXT_FIELDS if name in self.changed_data]
        if not changed_text:
            return
        kind = data.get("change_kind")
        if not kind:
            self.add_error("change_kind", "This story is public: say what kind of change you made.")
        elif kind in Correction.LISTED_KINDS and not (data.get("change_note") or "").strip():
            self.add_error("change_note", "A correction or clarification needs a public note.")


TAKEN_DOWN = {Article.Status.UNPUBLISHED, Article.Status.WITHDRAWN}


def form_copy(form, data, relations=None):
    """What the checks read (``articles.checks.Copy``) from a change form's cleaned ``data``,
    the article's stored values for fields the form does not have; ``relations`` (tags,
    byline_count, linked_people) from its inlines when known."""
    article = form.instance

    def value(name):
        return data[name] if name in data else getattr(article, name)

    return checks.Copy(
        headline=value("headline") or "",
        standfirst=value("standfirst") or "",
        body=value("body") or "",
        has_image=bool(value("lead_image")),
        image_alt=value("lead_image_alt") or "",
        image_credit=value("lead_image_credit") or "",
        pk=article.pk,
        **(relations or {}),
    )


def clean_uploaded_image(form, name):
    """A new upload becomes the name of its clean copy, stored before the transaction
    (desk/admin/images.py), or is checked here and replaced by its clean copy when the form is
    used without the admin; a kept or cleared image passes."""
    value = form.cleaned_data.get(name)
    if not isinstance(value, UploadedFile):
        return value
    prepared = form.prepared_images.get(name)
    if prepared is None:
        return clean_image_upload(value)
    return prepared.accept()


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "slug", "description", "bio", "photo", "aliases"]
        widgets = {"photo": forms.ClearableFileInput(attrs={"accept": ACCEPT})}
        error_messages = {"photo": {"invalid_image": NOT_AN_IMAGE}}

    # Set by the admin (desk/admin/images.py): the uploads it stored before the transaction.
    prepared_images = {}

    def clean_photo(self):
        return clean_uploaded_image(self, "photo")


class TransitionForm(forms.Form):
    """The moderator's confirmation: a reason always, a public note for a withdrawal."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in each article's record; readers do not see it.",
    )
    public_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Shown to readers at the article's address.",
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action == "withdraw":
            self.fields["public_note"].required = True
        else:
            del self.fields["public_note"]
        if action == "republish":
            self.fields["reason"].required = False
