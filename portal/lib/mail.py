"""E-mail from templates: `<base>_subject.txt`, `<base>.txt` and `<base>.html`."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_mail(
    base: str, context: dict, to: list[str], *, headers: dict | None = None
) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{base}_subject.txt", context).strip()
    text = render_to_string(f"{base}.txt", context)
    html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    message.send()
