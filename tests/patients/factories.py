"""Factories for patient records.

Medications go through the services, as in the portal, so every one is screened for opioids
and raises the care team's flag like a real one.
"""

from datetime import date, time

import factory
from django.utils import timezone
from django.utils.html import escape

from patients.models import CareTeamMembership, Condition, Medication, Patient
from patients.services.medications import medication_add, medication_stop
from tests.factories import PatientUserFactory, ProviderFactory


class ConditionFactory(factory.django.DjangoModelFactory):
    """A catalogue condition. The catalogue is seeded by a migration, but browser tests flush
    the database, so tests make (or reuse, by slug) the conditions they use."""

    class Meta:
        model = Condition
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"condition-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    sort_order = 100


class PatientFactory(factory.django.DjangoModelFactory):
    """An onboarded patient; `PatientFactory(new=True)` has not finished onboarding yet.

    Given a user that already has a profile, it sets that profile's fields.
    """

    class Meta:
        model = Patient

    class Params:
        new = factory.Trait(
            date_of_birth=None,
            bedtime=None,
            pharmacy_name="",
            pharmacy_phone="",
            off_label_acknowledged_at=None,
            onboarded_at=None,
        )

    user = factory.SubFactory(PatientUserFactory)
    date_of_birth = date(1980, 4, 30)
    bedtime = time(22, 30)
    pharmacy_name = "Main Street Compounding"
    pharmacy_phone = "+1 555 010 0200"
    off_label_acknowledged_at = factory.LazyFunction(timezone.now)
    onboarded_at = factory.SelfAttribute("off_label_acknowledged_at")

    @classmethod
    def _create(cls, model_class, *, user, **kwargs):
        # PatientUserFactory (like user_create) already made the user's profile: fill it in.
        patient, _created = model_class.objects.update_or_create(user=user, defaults=kwargs)
        return patient


class CareTeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMembership

    patient = factory.SubFactory(PatientFactory)
    provider = factory.SubFactory(ProviderFactory)
    since = factory.LazyFunction(timezone.now)


class MedicationFactory(factory.django.DjangoModelFactory):
    """A medication added through medication_add (and stopped through medication_stop)."""

    class Meta:
        model = Medication

    patient = factory.SubFactory(PatientFactory)
    name = "Vitamin D 1000 IU"
    dose_text = ""
    started_on = None
    stopped_on = None
    added_by = factory.SelfAttribute("patient.user")

    @classmethod
    def _create(cls, model_class, *, stopped_on=None, **kwargs):
        medication = medication_add(**kwargs)
        if stopped_on is not None:
            medication_stop(medication=medication, stopped_on=stopped_on)
        return medication


def assert_field_error(response, field: str, message: str) -> None:
    """The message is shown under the field it is about (crispy's invalid-feedback block)."""
    assert response.status_code == 200, response.status_code
    assert message in response.context["form"].errors.get(field, []), response.context[
        "form"
    ].errors
    html = response.content.decode()
    assert f'<p id="error_1_id_{field}"><strong>{escape(message)}</strong></p>' in html
