"""Library links appear where they help, chosen by tags (admins can change them)."""

from django.conf import settings
from django.test import Client, override_settings

from patients.models import Condition
from patients.services.medications import medication_add
from portal.content.models import Tag
from portal.content.selectors import suggested_articles
from portal.content.services import article_archive, article_publish, article_save
from tests.content.factories import content, tags_for


def test_it_links_the_opioid_article_from_an_opioid_warning(client_for, patient_user):
    content(slug="opioids-surgery-and-ldn", tags=["opioids", "surgery"], audience="patients")
    medication_add(patient=patient_user.patient, name="Tramadol 50 mg", added_by=patient_user)

    for url in ("/medications/", "/patient/"):
        html = client_for(patient_user).get(url).content.decode()
        assert "/library/opioids-surgery-and-ldn/" in html, url


def test_it_links_articles_about_the_patients_conditions_from_the_profile(client_for, patient_user):
    condition, _ = Condition.objects.get_or_create(
        slug="fibromyalgia", defaults={"name": "Fibromyalgia"}
    )
    patient_user.patient.conditions.add(condition)
    content(slug="conditions-and-evidence", tags=["fibromyalgia", "evidence"])
    content(slug="about-lupus", tags=["lupus"])

    html = client_for(patient_user).get("/profile/").content.decode()

    assert "/library/conditions-and-evidence/" in html
    assert "/library/about-lupus/" not in html


def test_it_links_basics_from_onboarding(client_for, patient_user):
    patient_user.patient.onboarded_at = None
    patient_user.patient.save()
    content(slug="off-label-prescribing", tags=["off-label"], audience="both")

    html = client_for(patient_user).get("/onboarding/").content.decode()

    assert "/library/off-label-prescribing/" in html


def test_it_follows_an_admins_retagging_once_published(
    client_for, patient_user, django_capture_on_commit_callbacks
):
    article = content(slug="opioids-surgery-and-ldn", tags=["surgery"], audience="patients")
    medication_add(patient=patient_user.patient, name="Oxycodone", added_by=patient_user)
    client = client_for(patient_user)
    assert "/library/opioids-surgery-and-ldn/" in client.get("/medications/").content.decode()

    article.tags.set(tags_for(["evidence"]))
    article_save(article=article, by=article.clinical_reviewer, content_changed=True)
    with django_capture_on_commit_callbacks(execute=True):  # the publish commits
        article_publish(article=article, by=article.clinical_reviewer)

    assert "/library/opioids-surgery-and-ldn/" not in client.get("/medications/").content.decode()


def test_the_links_follow_an_archived_article_and_a_renamed_tag(
    client_for, patient_user, admin_user, django_capture_on_commit_callbacks
):
    # The links are kept between pages (the library's query is the dearest part of them);
    # whatever changes what is live shows on the next page.
    first = content(slug="opioids-surgery-and-ldn", tags=["surgery"], audience="patients")
    content(slug="opioids-and-the-care-team", tags=["opioids"], audience="patients")
    medication_add(patient=patient_user.patient, name="Oxycodone", added_by=patient_user)
    client = client_for(patient_user)
    html = client.get("/medications/").content.decode()
    assert "/library/opioids-surgery-and-ldn/" in html
    assert "/library/opioids-and-the-care-team/" in html

    with django_capture_on_commit_callbacks(execute=True):
        article_archive(article=first, by=first.clinical_reviewer)
    html = client.get("/medications/").content.decode()
    assert "/library/opioids-surgery-and-ldn/" not in html
    assert "/library/opioids-and-the-care-team/" in html

    tag = Tag.objects.get(slug="opioids")
    admin = Client()
    admin.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            f"/admin/content/tag/{tag.pk}/change/",
            {"name": tag.name, "slug": "opioid-medicines", "kind": tag.kind},
        )
    assert answer.status_code == 302
    assert "/library/opioids-and-the-care-team/" not in client.get("/medications/").content.decode()


def test_the_links_are_read_when_the_cache_cannot_be_reached(patient_user, caplog):
    content(slug="sleep-and-ldn", tags=["sleep"], audience="patients")
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
    }

    with override_settings(CACHES={**settings.CACHES, "default": unreachable}):
        found = suggested_articles(viewer=patient_user, tags=["sleep"])

    assert [link.slug for link in found] == ["sleep-and-ldn"]
    assert "cache unavailable; reading the library's links" in caplog.text
