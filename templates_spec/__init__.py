"""Message template specifications (YAML), shipped with the package; see README.md here."""
