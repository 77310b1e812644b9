"""The follow-up's daily work: the schedule of contacts and the worklist, the telephone
checklist, and the two-specialist review of reported events."""
