"""Writes to the patient record: one keyword-only function per use case, each in one
transaction, each writing its history. Grouped by noun: profile, medications, diary, pgic,
side effects, check-ins, flags and reviews."""
