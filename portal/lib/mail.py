"""E-mail from templates: `<base>_subject.txt`, `<base>.txt` and `<base>.html`, written in the
recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(
    base: str,
    context: dict,
    to: list[str],
    *,
    headers: dict | None = None,
    language: str | None = None,
) -> None:
    """Render and send; `language` is the recipient's (settings.LANGUAGE_CODE when None),
    never the sender's request language."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{base}_subject.txt", context).strip()
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    message.send()
