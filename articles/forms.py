from django import forms

from .models import Article, Tag

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length


class ArticleAdminForm(forms.ModelForm):
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
            "status",
            "published_at",
        ]
        widgets = {
            "standfirst": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 24}),
        }

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
        return tags

    def clean(self):
        data = super().clean()
        if data.get("lead_image") and not data.get("lead_image_alt"):
            self.add_error("lead_image_alt", "Describe the image for readers who cannot see it.")
        if data.get("status") == Article.Status.PUBLISHED and not data.get("published_at"):
            self.add_error("published_at", "A published story needs a publication time.")
        return data
