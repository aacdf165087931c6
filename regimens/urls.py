from django.urls import path

from regimens.views import checkin_rules, feed, plans, regimens, supply, tonight

urlpatterns = [
    # The care team's pages.
    path("provider/titration/", regimens.titration_queue, name="titration_queue"),
    path("patients/<int:pk>/regimen/start/", regimens.regimen_start, name="regimen_start"),
    path(
        "patients/<int:pk>/regimens/<int:regimen_pk>/",
        regimens.regimen_detail,
        name="regimen_detail",
    ),
    path(
        "patients/<int:pk>/regimens/<int:regimen_pk>/decide/<slug:action>/",
        regimens.regimen_decision,
        name="regimen_decision",
    ),
    path(
        "patients/<int:pk>/regimens/<int:regimen_pk>/side-effects/",
        regimens.regimen_side_effect,
        name="regimen_side_effect",
    ),
    path(
        "patients/<int:pk>/regimens/<int:regimen_pk>/check-in-rule/",
        checkin_rules.checkin_rule,
        name="checkin_rule",
    ),
    # The patient's own pages.
    path("tonight/", tonight.tonight, name="tonight"),
    path("tonight/dose/", tonight.dose_log, name="dose_log"),
    path("tonight/side-effect/", tonight.tonight_side_effect, name="tonight_side_effect"),
    path("tonight/hold/", tonight.hold_request, name="hold_request"),
    path("tonight/calendar/", tonight.calendar_settings, name="calendar_settings"),
    # Planned pauses of LDN around a procedure or a short opioid course.
    path("tonight/pauses/", plans.pause_plans, name="pause_plans"),
    path("tonight/pauses/<int:plan_pk>/", plans.pause_plan, name="pause_plan"),
    path("tonight/pauses/<int:plan_pk>/cancel/", plans.pause_plan_cancel, name="pause_plan_cancel"),
    path("patients/<int:pk>/pauses/", plans.patient_pause_plans, name="patient_pause_plans"),
    path(
        "patients/<int:pk>/pauses/<int:plan_pk>/",
        plans.patient_pause_plan,
        name="patient_pause_plan",
    ),
    path(
        "patients/<int:pk>/pauses/<int:plan_pk>/approve/",
        plans.patient_pause_plan_approve,
        name="patient_pause_plan_approve",
    ),
    path(
        "patients/<int:pk>/pauses/<int:plan_pk>/decline/",
        plans.patient_pause_plan_decline,
        name="patient_pause_plan_decline",
    ),
    path(
        "patients/<int:pk>/pauses/<int:plan_pk>/cancel/",
        plans.patient_pause_plan_cancel,
        name="patient_pause_plan_cancel",
    ),
    # Supply: fills, run-out and refill requests.
    path("tonight/supply/", supply.supply, name="supply"),
    path("tonight/supply/refill/", supply.refill_request, name="refill_request"),
    path("patients/<int:pk>/supply/", supply.patient_supply, name="patient_supply"),
    path(
        "patients/<int:pk>/supply/refills/<int:refill_pk>/handled/",
        supply.patient_refill_handled,
        name="patient_refill_handled",
    ),
    # The private calendar feed: no login, the token is the key.
    path("calendar/<str:token>.ics", feed.calendar_feed, name="calendar_feed"),
]
