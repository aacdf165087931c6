from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from interop.urls import account_patterns, fhir_patterns, oauth_patterns, page_patterns
from portal.core import views as core

# The Django admin logs in through allauth, so it shares the rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)
admin.autodiscover()

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    # Browsers ask for /favicon.ico where a page names no icon (the Django admin, files).
    path("favicon.ico", core.favicon, name="favicon"),
    path("patient/", core.patient_home, name="patient_home"),
    path("provider/", core.provider_home, name="provider_home"),
    path("staff/", core.admin_home, name="admin_home"),
    path("account/", core.account, name="account"),
    path("i18n/language/", core.language_set, name="language_set"),
    path("manifest.webmanifest", core.web_manifest, name="web_manifest"),
    path("sw.js", core.service_worker, name="service_worker"),
    path("offline/<str:language>/", core.offline_page, name="offline_page"),
    path("offline/send/dose/", core.offline_dose, name="offline_dose"),
    path("offline/send/diary/", core.offline_diary, name="offline_diary"),
    path("offline/send/morning/", core.offline_morning, name="offline_morning"),
    path("account/", include(account_patterns)),
    path("oauth/", include(oauth_patterns)),
    path("fhir/", include(fhir_patterns)),
    path("", include(page_patterns)),
    path("invitations/", include("portal.accounts.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("", include("patients.urls")),
    path("", include("regimens.urls")),
    path("", include("messaging.urls")),
    path("library/", include("portal.content.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
