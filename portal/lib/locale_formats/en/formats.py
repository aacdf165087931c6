"""The portal's one way of writing dates and times in English (portal.lib.formats), for what
Django writes by itself: the admin's lists and forms, and `{{ value }}` or `|date` without a
format. "26 Nov 2026", "26 Nov 2026, 7:10 pm" (English uses the 12-hour clock; locale/en/LC_MESSAGES
makes Django's "a.m."/"p.m." read "am"/"pm")."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, g:i a"
SHORT_DATETIME_FORMAT = "j M Y, g:i a"
TIME_FORMAT = "g:i a"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
# What forms accept: the ISO form the date inputs send, and the day written as shown. Not
# 30/04/1980: in the US 04/05 is 5 April, so a day written with slashes is refused, not guessed.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %b %Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d %b %Y %H:%M"]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
