from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.utils.translation import gettext_lazy as _

from portal.content.models import Article


class ArticleForm(forms.ModelForm):
    """The admin's article form: addresses are compared without regard to case."""

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "language",
            "translation_of",
            "summary",
            "body",
            "audience",
            "tags",
            "sources",
            "author",
            "clinical_reviewer",
            "last_reviewed",
        ]
        widgets = {
            "summary": AdminTextareaWidget(attrs={"rows": 3}),
            "body": AdminTextareaWidget(attrs={"rows": 24}),
            "sources": AdminTextareaWidget(attrs={"rows": 6}),
        }

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        others = Article.objects.filter(slug__iexact=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("Another article already uses the address “%(slug)s”. Choose a different one."),
                params={"slug": slug},
                code="unique",
            )
        return slug


class LibrarySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the library"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. vivid dreams")}),
    )
    topic = forms.SlugField(required=False, widget=forms.HiddenInput)
    condition = forms.SlugField(required=False, widget=forms.HiddenInput)
