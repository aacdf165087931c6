"""The rows a patient's FHIR resources are made from, read once (interop.selectors fills it).
Plain data: the mapping modules read attributes only, never the database."""

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Record:
    patient: object  # patients.Patient with its user
    today: date  # the patient's local date
    conditions: list = field(default_factory=list)
    care_team: list = field(default_factory=list)  # provider users
    medications: list = field(default_factory=list)
    regimens: list = field(default_factory=list)  # each with `step_list` (by sequence)
    diary: list = field(default_factory=list)  # DiaryEntry rows
    pgic: list = field(default_factory=list)
    checkins: list = field(default_factory=list)  # each with `provider` loaded
    names: dict = field(default_factory=dict)  # user id -> name, for who entered what
    # Conversations (by start), each with `message_list` (by sending time), each message
    # with `attachment_list`.
    conversations: list = field(default_factory=list)
    caregivers: list = field(default_factory=list)  # CaregiverGrant rows, by `since`
    fills: list = field(default_factory=list)  # SupplyFill rows, by day
