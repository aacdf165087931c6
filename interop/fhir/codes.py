"""Code systems and the portal's own codes (docs/clinical-rules.md §9)."""

from dataclasses import dataclass

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
V3_ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"

PAIN_LOINC = "72514-3"

# The portal's code system: its path under the site address (`Context.system`).
CODE_SYSTEM_PATH = "/fhir/CodeSystem/ldn-portal"
QUESTIONNAIRE_DIARY_PATH = "/fhir/Questionnaire/ldn-diary-day"
QUESTIONNAIRE_PGIC_PATH = "/fhir/Questionnaire/pgic"

# The diary's scores in the portal's code system (pain also carries LOINC 72514-3).
SCORES = {
    "pain": "Pain, 0-10 numeric rating scale, past 24 hours",
    "fatigue": "Fatigue, 0-10 numeric rating scale, past 24 hours",
    "sleep_quality": "Sleep quality, 0-10 numeric rating scale, past night",
    "mood": "Mood, 0-10 numeric rating scale, past 24 hours",
}
SEVERITY = {0: "None", 1: "Mild", 2: "Moderate", 3: "Severe"}
PGIC_CODE = "pgic"
GLUCOSE_CODE = "fasting-glucose"
STOOLS_CODE = "stools-per-day"


@dataclass(frozen=True)
class Context:
    """Where the portal lives (for its own code system's canonical URL)."""

    site: str  # "https://portal.example.org", no trailing slash

    @property
    def system(self) -> str:
        return self.site + CODE_SYSTEM_PATH

    def extension(self, name: str) -> str:
        return f"{self.site}/fhir/StructureDefinition/{name}"

    @property
    def diary_questionnaire(self) -> str:
        return self.site + QUESTIONNAIRE_DIARY_PATH

    @property
    def pgic_questionnaire(self) -> str:
        return self.site + QUESTIONNAIRE_PGIC_PATH


def coding(system: str, code: str, display: str = "") -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str = "") -> dict:
    return {"coding": [coding(system, code, display)], "text": display or code}


SURVEY = {"coding": [coding(OBSERVATION_CATEGORY, "survey", "Survey")]}
