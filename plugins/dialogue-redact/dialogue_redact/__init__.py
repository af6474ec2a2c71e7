"""Example plugin package for dialogue: personal-data redaction and a redacted audit log."""
