from django.urls import path

from patients.views import medications, patient, provider

urlpatterns = [
    # The patient's own pages.
    path("onboarding/", patient.onboarding, name="onboarding"),
    path("profile/", patient.profile, name="profile"),
    path("profile/access-log/", patient.access_log, name="access_log"),
    path("medications/", medications.medication_list, name="medication_list"),
    path("medications/<int:med_pk>/edit/", medications.medication_edit, name="medication_edit"),
    path("medications/<int:med_pk>/stop/", medications.medication_stop, name="medication_stop"),
    # The care team's pages.
    path("patients/", provider.patient_list, name="patient_list"),
    path("patients/<int:pk>/", provider.patient_record, name="patient_record"),
    path(
        "patients/<int:pk>/medications/",
        medications.medication_list,
        name="patient_medication_list",
    ),
    path(
        "patients/<int:pk>/medications/<int:med_pk>/edit/",
        medications.medication_edit,
        name="patient_medication_edit",
    ),
    path(
        "patients/<int:pk>/medications/<int:med_pk>/stop/",
        medications.medication_stop,
        name="patient_medication_stop",
    ),
    path(
        "patients/<int:pk>/flags/<int:flag_pk>/review/",
        provider.flag_review,
        name="flag_review",
    ),
]
