"""Vision: face detection, tracking, identity (encodings, per-person thresholds, the encrypted
gallery, enrolment, evaluation) and the presence pipeline and stage."""
