"""The coordinator's case review with each interviewer, every few weeks, and the calendars."""
