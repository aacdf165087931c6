from django.urls import path, re_path
from oauth2_provider.views import (
    ConnectDiscoveryInfoView,
    JwksInfoView,
    RevokeTokenView,
    UserInfoView,
)

from interop.views import api, documents, oauth

# The OAuth endpoints under the names django-oauth-toolkit reverses.
oauth_patterns = (
    [
        path("authorize/", oauth.ConsentView.as_view(), name="authorize"),
        path("token/", oauth.SmartTokenView.as_view(), name="token"),
        path("revoke_token/", RevokeTokenView.as_view(), name="revoke-token"),
        # OpenID Connect (interop/oidc.py): discovery, the id_token's public key, userinfo.
        path(
            ".well-known/openid-configuration",
            ConnectDiscoveryInfoView.as_view(),
            name="oidc-connect-discovery-info",
        ),
        path(".well-known/jwks.json", JwksInfoView.as_view(), name="jwks-info"),
        path("userinfo/", UserInfoView.as_view(), name="user-info"),
    ],
    "oauth2_provider",
)

account_patterns = [
    path(
        "apps/<int:app_pk>/revoke/",
        oauth.connected_app_revoke_view,
        name="connected_app_revoke",
    ),
]

fhir_patterns = [
    path("metadata", api.metadata, name="fhir_metadata"),
    path(
        ".well-known/smart-configuration",
        api.smart_configuration,
        name="fhir_smart_configuration",
    ),
    path("CodeSystem/ldn-portal", api.code_system, name="fhir_code_system"),
    path("Patient/<str:pk>/$everything", api.patient_everything, name="fhir_everything"),
    path("Patient/<str:pk>", api.patient_read, kwargs={}, name="fhir_patient"),
    path("<str:kind>", api.search, name="fhir_search"),
    path("<str:kind>/<str:rid>", api.read_other, name="fhir_read"),
    re_path(r"^(?P<rest>.*)$", api.unknown, name="fhir_unknown"),
]

page_patterns = [
    path("profile/passport.pdf", documents.my_passport, name="passport"),
    path("patients/<int:pk>/passport.pdf", documents.patient_passport, name="patient_passport"),
    path("patients/panel.csv", documents.panel_export, name="panel_export"),
    path("patients/<int:pk>/visit-summary.pdf", documents.visit_summary, name="visit_summary"),
    path("profile/my-data/", documents.my_data, name="my_data"),
    path(
        "profile/my-data/<int:export_pk>/progress/",
        documents.my_data_progress,
        name="my_data_progress",
    ),
    path("profile/my-data/<int:export_pk>/file/", documents.my_data_file, name="my_data_file"),
]
