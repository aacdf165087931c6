import calendar
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.content.rendering import render_markdown

# A link is one word that starts with a scheme; "Smith | Jones: a title" is all citation.
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:\S*$", re.IGNORECASE)
_WEB = ("http://", "https://")


def parse_sources(text: str) -> list[dict]:
    """One source per line, `citation | URL`; the URL is optional and must be http(s).

    A line whose part after the last `|` is not a URL is all citation (a pipe in a title).
    Returns `[{"text": ..., "url": ...}]`; lines with a bad link are left out (the validator
    below reports them before anything is saved).
    """
    sources = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        citation, separator, link = (part.strip() for part in line.rpartition("|"))
        if not separator or not _SCHEME.match(link):
            sources.append({"text": line, "url": ""})
        elif link.lower().startswith(_WEB) and citation:
            sources.append({"text": citation, "url": link})
    return sources


def validate_sources(text: str) -> None:
    for number, line in enumerate((text or "").splitlines(), start=1):
        citation, separator, link = (part.strip() for part in line.rpartition("|"))
        if separator and _SCHEME.match(link):
            if not link.lower().startswith(_WEB):
                raise ValidationError(
                    _("Line %(line)s: a source's link must start with http:// or https://."),
                    params={"line": number},
                    code="source_scheme",
                )
            if not citation:
                raise ValidationError(
                    _("Line %(line)s: write the citation before the link."),
                    params={"line": number},
                    code="source_citation",
                )


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


class Audience(models.TextChoices):
    PATIENTS = "patients", _("Patients")
    PROVIDERS = "providers", _("Providers")
    BOTH = "both", _("Patients and providers")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# Authors and clinical reviewers are providers or admins.
STAFF_CHOICES = {"role__in": ["provider", "admin"], "is_active": True}

# An article with a live version shows it in these states: "in review" means pending edits.
LIVE_STATUSES = (Status.PUBLISHED, Status.IN_REVIEW)


class TagKind(models.TextChoices):
    TOPIC = "topic", _("Topic")
    CONDITION = "condition", _("Condition")


class Tag(models.Model):
    """A topic or a condition. Contextual "Read more" links are chosen by these slugs."""

    kind = models.CharField(_("kind"), max_length=16, choices=TagKind.choices)
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        help_text=_("Used by the portal's pages to pick articles, e.g. sleep or hashimotos."),
        error_messages={"unique": _("Another tag already uses this slug.")},
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="content_tag_kind_valid", condition=models.Q(kind__in=TagKind.values)
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display().lower()})"


class ArticleQuerySet(models.QuerySet):
    def live(self):
        return self.filter(live_version__isnull=False, status__in=LIVE_STATUSES)


class Article(models.Model):
    """The article admins edit. Readers see `live_version`, the last published snapshot.

    Editing a published article sends it back to review; the live version stays until the
    edits are published as the next version.
    """

    slug = models.SlugField(
        _("address"),
        max_length=80,
        unique=True,
        help_text=_(
            "The end of the page address, as in /library/missed-doses/. Lower case and hyphens."
        ),
        error_messages={
            "unique": _("Another article already uses this address. Choose a different one.")
        },
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Readers see articles in their own language first."),
    )
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text=_(
            "For a translation: the original article. A reader then sees one of the two, in "
            "their language when there is one."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"), max_length=600, help_text=_("One or two sentences shown in lists.")
    )
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown. Start headings at ## (the title is the page's only top heading). "
            "Scripts, styles, images and frames are removed."
        ),
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.BOTH
    )
    tags = models.ManyToManyField(
        Tag,
        verbose_name=_("topics and conditions"),
        blank=True,
        related_name="articles",
        help_text=_("Pages that show “Read more” links pick articles by these tags."),
    )
    sources = models.TextField(
        _("sources"),
        blank=True,
        validators=[validate_sources],
        help_text=_("One per line: citation | https://link (the link is optional)."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=STAFF_CHOICES,
    )
    clinical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clinical reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=STAFF_CHOICES,
    )
    last_reviewed = models.DateField(
        _("last reviewed"),
        null=True,
        blank=True,
        help_text=_("The date of the last clinical review. Publishing sets today when empty."),
    )
    live_version = models.OneToOneField(
        "content.ArticleVersion",
        verbose_name=_("live version"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="live_of",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[tags], excluded_fields=["updated_at"])
    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                name="content_article_status_valid", condition=models.Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="content_article_audience_valid",
                condition=models.Q(audience__in=Audience.values),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("library_article", args=[self.slug])

    @property
    def is_live(self) -> bool:
        return self.live_version_id is not None and self.status in LIVE_STATUSES

    def review_due_on(self, *, months: int) -> date | None:
        """When the live version is due for its next clinical review."""
        if not self.is_live:
            return None
        return add_months(self.live_version.last_reviewed, months)

    def is_review_overdue(self, *, today: date, months: int) -> bool:
        return self.is_live and self.live_version.last_reviewed <= add_months(today, -months)


class ArticleVersion(models.Model):
    """A published snapshot. Readers only ever see one of these, never the working copy."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body"))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    tags = models.ManyToManyField(Tag, blank=True, related_name="versions")
    sources = models.JSONField(_("sources"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    clinical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clinical reviewer"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_reviewed = models.DateField(_("last reviewed"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="content_articleversion_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.number})"

    @property
    def body_html(self):
        return render_markdown(self.body)

    @property
    def source_list(self) -> list[dict]:
        # Only web links ever reach a template, whatever is stored.
        return [
            {"text": item.get("text", ""), "url": item.get("url", "")}
            if str(item.get("url", "")).lower().startswith(_WEB)
            else {"text": item.get("text", ""), "url": ""}
            for item in self.sources
        ]


class ArticleRead(models.Model):
    """A patient opened an article: when first and when last (one row per patient and
    article). Only patients' own reading counts: a caregiver, provider or admin opening an
    article is not the patient's reading. Shown on the library's list to the patient only,
    and in their "Download my data" zip."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles_read"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    first_read_at = models.DateTimeField(_("first read"))
    last_read_at = models.DateTimeField(_("last read"))

    class Meta:
        verbose_name = _("article read")
        verbose_name_plural = _("articles read")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"], name="content_articleread_once_per_reader"
            ),
        ]

    def __str__(self):
        return f"{self.article} ({self.first_read_at:%Y-%m-%d})"
