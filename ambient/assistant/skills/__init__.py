"""Local skills: each a small class with its phrases and a handler."""

from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.assistant.skills.clock import ClockSkill
from ambient.assistant.skills.control import FalseWakeSkill, PrivacySkill, RepeatSkill, StopSkill
from ambient.assistant.skills.identity import EnrolSkill, FaceCorrectionSkill
from ambient.assistant.skills.presence import PresenceSkill
from ambient.assistant.skills.purchases import PurchaseSkill
from ambient.assistant.skills.reminders import ReminderSkill
from ambient.assistant.skills.shopping import ShoppingListSkill
from ambient.assistant.skills.timers import TimerSkill
from ambient.assistant.skills.volume import VolumeSkill
from ambient.assistant.skills.why import WhySkill


def default_skills() -> list[Skill]:
    return [
        ClockSkill(),
        TimerSkill(),
        VolumeSkill(),
        StopSkill(),
        RepeatSkill(),
        PresenceSkill(),
        PrivacySkill(),
        FalseWakeSkill(),
        FaceCorrectionSkill(),
        EnrolSkill(),
        ReminderSkill(),
        ShoppingListSkill(),
        WhySkill(),
        PurchaseSkill(),
    ]


def skill_phrases(skills: list[Skill] | None = None) -> list[str]:
    """Every phrase template of the skills: what the command grammar listens for."""
    chosen = default_skills() if skills is None else skills
    return [template for skill in chosen for phrases in skill.phrases.values() for template in phrases]


__all__ = ["Reply", "Skill", "SkillContext", "default_skills", "skill_phrases"]
