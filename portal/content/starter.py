"""The starter library: the Markdown files in `starter/`, loaded as published articles.

Each file opens with a front-matter block of `key: value` lines between `---` lines:
title, slug, summary, audience (patients, providers or both), topics and conditions (comma-
separated tag slugs) and sources (`citation | url` items separated by ` ;; `). The data
migration `0002_starter_library` and the tests both call `load_starter`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent / "starter"
# The Spanish versions: the same front matter, plus `language: es` and `translation_of:` the
# English article's slug.
STARTER_ES_DIR = STARTER_DIR / "es"
# The date the starter library was clinically reviewed and loaded.
STARTER_REVIEWED_ON = date(2026, 11, 21)

REQUIRED_KEYS = ("title", "slug", "summary", "audience")
AUDIENCES = ("patients", "providers", "both")

# Display names for the tag slugs the starter files use; the condition names match the
# patients' condition catalogue. Admins rename or add tags in the Django admin.
TOPIC_NAMES = {
    "basics": "The basics",
    "evidence": "Evidence",
    "dosing": "Dosing",
    "formulations": "Forms and pharmacies",
    "side-effects": "Side effects",
    "sleep": "Sleep",
    "headache": "Headache",
    "nausea": "Nausea",
    "opioids": "Opioids",
    "surgery": "Surgery",
    "off-label": "Off-label prescribing",
    "tracking": "Tracking symptoms",
    "check-ins": "Check-ins",
    "missed-doses": "Missed doses",
    "thyroid": "Thyroid",
    "protocols": "Protocols",
}
CONDITION_NAMES = {
    "multiple-sclerosis": "Multiple sclerosis",
    "rheumatoid-arthritis": "Rheumatoid arthritis",
    "hashimotos": "Hashimoto's thyroiditis",
    "crohns": "Crohn's disease",
    "ulcerative-colitis": "Ulcerative colitis",
    "lupus": "Systemic lupus erythematosus",
    "psoriasis": "Psoriasis",
    "psoriatic-arthritis": "Psoriatic arthritis",
    "fibromyalgia": "Fibromyalgia",
    "neuropathy": "Neuropathy",
    "crps": "Complex regional pain syndrome",
    "insulin-resistance": "Insulin resistance",
}


class StarterError(ValueError):
    pass


@dataclass(frozen=True)
class StarterArticle:
    title: str
    slug: str
    summary: str
    audience: str
    body: str
    topics: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    language: str = "en"
    translation_of: str = ""  # the original's slug, for a translation

    @property
    def sources_text(self) -> str:
        """The sources in the admin's format: one `citation | url` per line."""
        return "\n".join(
            f"{item['text']} | {item['url']}" if item["url"] else item["text"]
            for item in self.sources
        )


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_sources(value: str) -> list[dict]:
    sources = []
    for item in value.split(";;"):
        citation, _, url = (part.strip() for part in item.partition("|"))
        if citation:
            sources.append({"text": citation, "url": url})
    return sources


def parse_starter(text: str, *, name: str = "") -> StarterArticle:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise StarterError(f"{name}: no front-matter block between --- lines")
    end = next(index for index, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    meta = {}
    for line in lines[1:end]:
        key, separator, value = line.partition(":")
        if not separator:
            raise StarterError(f"{name}: front-matter line without a colon: {line!r}")
        meta[key.strip()] = value.strip()
    missing = [key for key in REQUIRED_KEYS if not meta.get(key)]
    if missing:
        raise StarterError(f"{name}: missing {', '.join(missing)}")
    if meta["audience"] not in AUDIENCES:
        raise StarterError(f"{name}: audience must be one of {', '.join(AUDIENCES)}")
    return StarterArticle(
        title=meta["title"],
        slug=meta["slug"],
        summary=meta["summary"],
        audience=meta["audience"],
        body="\n".join(lines[end + 1 :]).strip() + "\n",
        topics=_split_list(meta.get("topics", "")),
        conditions=_split_list(meta.get("conditions", "")),
        sources=_parse_sources(meta.get("sources", "")),
        language=meta.get("language", "en"),
        translation_of=meta.get("translation_of", ""),
    )


def starter_articles(directory: Path = STARTER_DIR) -> list[StarterArticle]:
    return [
        parse_starter(path.read_text(encoding="utf-8"), name=path.name)
        for path in sorted(directory.glob("*.md"))
    ]


def _tag_name(slug: str, names: dict[str, str]) -> str:
    return names.get(slug) or slug.replace("-", " ").capitalize()


def load_starter(
    apps, *, reviewed_on: date = STARTER_REVIEWED_ON, now: datetime, directory: Path = STARTER_DIR
) -> int:
    """Create every starter article that is not there yet as published version 1.

    Takes an app registry (the migration's, or `django.apps.apps`) so it works on historical
    models. Articles whose slug already exists are left alone: admins may have edited them.
    Returns how many articles were created.
    """
    Article = apps.get_model("content", "Article")
    ArticleVersion = apps.get_model("content", "ArticleVersion")
    Tag = apps.get_model("content", "Tag")
    created = 0
    for item in starter_articles(directory):
        if Article.objects.filter(slug=item.slug).exists():
            continue
        # Translations (starter/es/) name their original; the English files predate the
        # language fields, so they are left to the fields' defaults.
        language = {}
        if item.translation_of:
            original = Article.objects.filter(slug=item.translation_of).first()
            if original is None:
                continue
            language = {"language": item.language, "translation_of": original}
        tags = [
            Tag.objects.get_or_create(
                slug=slug, defaults={"kind": kind, "name": _tag_name(slug, names)}
            )[0]
            for kind, slugs, names in (
                ("topic", item.topics, TOPIC_NAMES),
                ("condition", item.conditions, CONDITION_NAMES),
            )
            for slug in slugs
        ]
        article = Article.objects.create(
            slug=item.slug,
            title=item.title,
            summary=item.summary,
            body=item.body,
            audience=item.audience,
            sources=item.sources_text,
            status="published",
            last_reviewed=reviewed_on,
            **language,
        )
        version = ArticleVersion.objects.create(
            article=article,
            number=1,
            title=item.title,
            summary=item.summary,
            body=item.body,
            audience=item.audience,
            sources=item.sources,
            last_reviewed=reviewed_on,
            published_at=now,
        )
        article.tags.set(tags)
        version.tags.set(tags)
        article.live_version = version
        article.save(update_fields=["live_version"])
        created += 1
    return created
