"""Forms of the patient record's pages, by noun: profile, medications, diary, check-ins and
the care team's review. Every clean_* returns the value the service takes; messages say what
is wrong and what is allowed."""
