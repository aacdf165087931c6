"""Pure clinical rules of the patient record: the side-effect catalogue, medication
screening, the flag rules and the trends maths. Plain values in, decisions out: no ORM, no
clock, no settings (callers pass thresholds in). The numbers and their sources are in
docs/clinical-rules.md §2.2-§2.4 and §2.9 (screening), §5.1 (side effects), §6.1 (flags)
and §7.1-§7.3 (trends)."""
