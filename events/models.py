"""Events, series, registrations, reminders and speed networking."""
