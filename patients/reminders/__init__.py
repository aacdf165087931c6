"""Reminders about the patient's record: the evening diary nudge (diary.py), check-ins
(checkin.py) and the care team's safety notices (safety.py). Each kind is a module with
`plan` and `compose`, registered with portal.notifications in patients.apps."""
