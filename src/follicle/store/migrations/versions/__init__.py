"""The registry's schema revisions, oldest first (``0001_initial`` creates everything)."""
