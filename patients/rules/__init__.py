"""Pure clinical rules of the patient record: the side-effect catalogue, medication
screening, the flag rules and the trends maths. Plain values in, decisions out: no ORM, no
clock, no settings (callers pass thresholds in). The numbers and their sources are in
docs/clinical-rules.md."""
