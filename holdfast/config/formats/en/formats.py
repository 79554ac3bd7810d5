"""US English: the one date style of a business whose locale is en-us (kit.dates picks the locale).
Every screen uses these names (|date, |date:"DATETIME_FORMAT" …), never a format string of its own;
T names the business's time zone, which the request activates (tenancy.middleware.BusinessTimeMiddleware)."""
DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y, g:i A T"
TIME_FORMAT = "g:i A"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "M j"
SHORT_DATE_FORMAT = "m/d/Y"
SHORT_DATETIME_FORMAT = "M j, g:i A T"
FIRST_DAY_OF_WEEK = 0
# Not Django names: the weekday forms kit.dates and the |weekday filters use.
WEEKDAY_DATE_FORMAT = "D, M j, Y"
WEEKDAY_MONTH_DAY_FORMAT = "D, M j"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%d"]
