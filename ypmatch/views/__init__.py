"""One blueprint per area; views validate a form, call a service, commit once, redirect."""
