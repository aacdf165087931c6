"""Helpers every part of the portal shares: time zones and local dates, how dates, times and
doses are written for people, form widgets, safe redirects and templated e-mail.

The lowest layer: it imports nothing of the portal's apps (see "Layers" in the README).
"""
