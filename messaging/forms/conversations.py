from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from messaging.models import Topic
from messaging.services.attachments import clean_files
from messaging.services.conversations import BODY_TOO_LONG, NO_BODY


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Up to MESSAGES["MAX_FILES"] files, checked and cleaned by their content."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return clean_files(files)


def _help_files():
    limits = settings.MESSAGES
    return _("Up to %(n)d files: PDF, PNG or JPEG, %(mb)d MB each.") % {
        "n": limits["MAX_FILES"],
        "mb": limits["MAX_FILE_BYTES"] // (1024 * 1024),
    }


class MessageFields(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,  # an empty message gets the service's own words
        strip=True,
    )
    files = FilesField(label=_("Attach files"))
    # Set once the emergency guidance has been shown for this message.
    safety_acknowledged = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _help_files()
        self.fields["body"].widget.attrs["maxlength"] = settings.MESSAGES["MAX_LENGTH"]

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        if not body:
            raise ValidationError(NO_BODY, code="required")
        limit = settings.MESSAGES["MAX_LENGTH"]
        if len(body) > limit:
            raise ValidationError(
                BODY_TOO_LONG % {"n": f"{limit:,}", "count": f"{len(body):,}"},
                code="too_long",
            )
        return body


class ConversationForm(MessageFields):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)

    field_order = ["subject", "topic", "body", "files"]


class ReplyForm(MessageFields):
    pass


class AssignForm(forms.Form):
    assigned_to = forms.TypedChoiceField(
        label=_("Assign to"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team = {p.pk: p for p in team}
        self.fields["assigned_to"].choices = [("", _("Nobody"))] + [
            (p.pk, p.name or p.email) for p in team
        ]

    def provider(self):
        pk = self.cleaned_data.get("assigned_to")
        return self.team.get(pk) if pk else None
