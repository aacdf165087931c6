"""Reads of the treatment, scoped to the viewer: regimens (a patient's regimens, Tonight, the
calendar feed), engine (the titration engine's inputs and recommendation), queue (the
titration queue) and triage (the provider's triage queue)."""
