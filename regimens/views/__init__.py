"""Regimen pages: the care team's (provider.py, checkin_rules.py), the patient's
(patient.py) and the private calendar feed (feed.py)."""
