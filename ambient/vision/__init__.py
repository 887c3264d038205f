"""Vision: face detection, tracking, identity (encodings, per-person thresholds, look-alikes), the
encrypted gallery (people, look-alikes, archived decisions, newcomers awaiting approval), enrolment
and its quality rules, evaluation (`faces eval`), choosing the rule's constants by person
cross-validation (`faces tune`), and the presence pipeline and stage (with the archive that keeps
the gallery in step while the device runs)."""
