"""The cloud, used only for heavy reasoning: SDK clients, resilience, privacy policy, audit ledger."""

from ambient.cloud.ledger import AuditLedger
from ambient.cloud.privacy import PrivacyPolicy, load_policy
from ambient.cloud.reasoner import CloudReasoner, CloudUnavailable, build_reasoner

__all__ = [
    "AuditLedger",
    "CloudReasoner",
    "CloudUnavailable",
    "PrivacyPolicy",
    "build_reasoner",
    "load_policy",
]
