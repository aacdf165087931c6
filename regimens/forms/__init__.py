"""Forms of the regimen pages, by noun: start, decisions, reports (side effects, doses, hold
requests, the calendar feed) and checkin_rules. Every clean_* returns the value the service
takes; messages say what is wrong and what is allowed. "Today" is the patient's local date,
passed in by the view."""
