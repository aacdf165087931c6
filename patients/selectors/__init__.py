"""Reads of the patient record, scoped to the viewer: records (who may see whom, and the
access log), medications, side effects (the one read path), diary, trends and check-ins."""
