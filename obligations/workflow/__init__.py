"""What people do to a task: reports, requests and decisions, evidence, the timeline, the audit log."""
