"""Writes to protocols and regimens: one keyword-only function per use case, each in one
transaction, each writing its history: simple-history rows (with a change reason) for the
regimen and its steps, and a RegimenEvent line for the plan history people read. Grouped by
noun: protocols, start, decisions, reports (hold requests and doses), schedule (automatic
steps), checkin_rules and calendar_feeds.

Every dose that is planned or decided passes regimens.safety.check_dose for the regimen's
formulation; steps are planned with regimens.titration.plan_steps. A ValidationError says
what is wrong in words for people; nothing is written when one is raised.
"""
