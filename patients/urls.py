from django.urls import path, register_converter

from patients.views import care, checkins, diary, medications, profile, records, review

register_converter(diary.DayConverter, "day")

urlpatterns = [
    # The patient's own pages.
    path("onboarding/", profile.onboarding, name="onboarding"),
    path("profile/", profile.profile, name="profile"),
    path("profile/access-log/", profile.access_log, name="access_log"),
    path(
        "profile/access-log/<int:actor>/<day:day>/",
        profile.access_visit_log,
        name="access_visit",
    ),
    path("medications/", medications.medication_list, name="medication_list"),
    path("medications/<int:med_pk>/edit/", medications.medication_edit, name="medication_edit"),
    path("medications/<int:med_pk>/stop/", medications.medication_stop, name="medication_stop"),
    # The care team's pages.
    path("patients/", records.patient_list, name="patient_list"),
    path("patients/<int:pk>/", records.patient_record, name="patient_record"),
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
        records.flag_review,
        name="flag_review",
    ),
]

# Check-ins (patients/views/checkins.py).
urlpatterns += [
    path("check-ins/", checkins.my_checkins, name="my_checkins"),
    path("check-ins/<int:checkin_pk>/confirm/", checkins.checkin_confirm, name="checkin_confirm"),
    path(
        "check-ins/<int:checkin_pk>/another-time/",
        checkins.checkin_request_change,
        name="checkin_request_change",
    ),
    path("provider/check-ins/", checkins.provider_checkins, name="provider_checkins"),
    path("patients/<int:pk>/check-ins/new/", checkins.checkin_book, name="checkin_book"),
    path(
        "patients/<int:pk>/check-ins/<int:checkin_pk>/",
        checkins.checkin_detail,
        name="checkin_detail",
    ),
    path(
        "patients/<int:pk>/check-ins/<int:checkin_pk>/reschedule/",
        checkins.checkin_reschedule,
        name="checkin_reschedule",
    ),
    path(
        "patients/<int:pk>/check-ins/<int:checkin_pk>/cancel/",
        checkins.checkin_cancel,
        name="checkin_cancel",
    ),
    path(
        "patients/<int:pk>/check-ins/<int:checkin_pk>/complete/",
        checkins.checkin_complete,
        name="checkin_complete",
    ),
]

# The symptom diary (patients/views/diary.py) and the care team's review (views/review.py).
urlpatterns += [
    path("diary/", diary.diary_home, name="diary"),
    path("diary/today/", diary.diary_today, name="diary_today"),
    path("diary/new/", diary.diary_new, name="diary_new"),
    path("diary/<day:day>/", diary.diary_entry, name="diary_entry"),
    path("diary/morning/", diary.diary_morning, name="diary_morning"),
    path("diary/pgic/", diary.diary_pgic, name="diary_pgic"),
    path("diary/trends/", diary.diary_trends, name="diary_trends"),
    path("diary/export.csv", diary.diary_export, name="diary_export"),
    path("patients/<int:pk>/diary/", review.patient_diary, name="patient_diary"),
    path("patients/<int:pk>/trends/", review.patient_trends, name="patient_trends"),
    path(
        "patients/<int:pk>/diary/export.csv",
        review.patient_diary_export,
        name="patient_diary_export",
    ),
    path("patients/<int:pk>/review/", review.patient_review, name="patient_review"),
]

# Caregivers (patients/views/care.py): the patient's page of caregivers, a care-team
# provider's invitation at the patient's request, and the caregiver's home and switcher.
urlpatterns += [
    path("profile/caregivers/", care.caregivers, name="caregivers"),
    path("profile/caregivers/<int:grant_pk>/", care.caregiver_edit, name="caregiver_edit"),
    path("profile/caregivers/<int:grant_pk>/end/", care.caregiver_end, name="caregiver_end"),
    path(
        "profile/caregivers/invitations/<int:offer_pk>/revoke/",
        care.caregiver_invitation_revoke,
        name="caregiver_invitation_revoke",
    ),
    path(
        "patients/<int:pk>/caregivers/invite/",
        care.patient_caregiver_invite,
        name="patient_caregiver_invite",
    ),
    path("care/", care.care_home, name="care_home"),
    path("care/switch/", care.care_switch, name="care_switch"),
]
