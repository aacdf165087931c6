"""factory_boy factories shared by the suite."""

import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from portal.accounts.models import Role, User

TEST_PASSWORD = "a-Long-test-passw0rd"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    role = Role.PATIENT
    timezone = "America/New_York"

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or TEST_PASSWORD)
        if create:
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)

    @factory.post_generation
    def mfa(user, create, extracted, **kwargs):
        """Providers and admins get TOTP unless built with mfa=False."""
        wants = (
            extracted if extracted is not None else user.role not in (Role.PATIENT, Role.CAREGIVER)
        )
        if create and wants:
            TOTP.activate(user, TEST_TOTP_SECRET)


class PatientUserFactory(UserFactory):
    """A patient who has finished onboarding (build with onboarded=False for a new one)."""

    role = Role.PATIENT

    @factory.post_generation
    def onboarded(user, create, extracted, **kwargs):
        if not create:
            return
        from patients.models import Patient

        done = timezone.now() if extracted is None or extracted else None
        Patient.objects.update_or_create(
            user=user,
            defaults={
                "date_of_birth": datetime.date(1980, 5, 17),
                "bedtime": datetime.time(22, 30),
                "pharmacy_name": "Riverside Compounding",
                "pharmacy_phone": "+1 555 010 0200",
                "off_label_acknowledged_at": done,
                "onboarded_at": done,
            },
        )


class ProviderFactory(UserFactory):
    role = Role.PROVIDER
    name = factory.Faker("name", locale="en_GB")


class CaregiverFactory(UserFactory):
    role = Role.CAREGIVER


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_superuser = True
