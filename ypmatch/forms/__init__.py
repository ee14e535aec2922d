"""WTForms: shape validation only; choices that come from the database are set by views."""
