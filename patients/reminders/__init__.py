"""Reminders about the patient's record: the evening diary nudge (diary.py) and check-ins
(checkin.py). Each kind is a module with `plan` and `compose`, registered in
settings.NOTIFICATION_KINDS; see portal/notifications for the delivery machinery."""
