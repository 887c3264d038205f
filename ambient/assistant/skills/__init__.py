"""Local skills: each a small class with its phrases and a handler."""

from ambient.assistant.skills.base import Reply, Skill, SkillContext
from ambient.assistant.skills.clock import ClockSkill
from ambient.assistant.skills.control import FalseWakeSkill, PrivacySkill, RepeatSkill, StopSkill
from ambient.assistant.skills.presence import PresenceSkill
from ambient.assistant.skills.timers import TimerSkill
from ambient.assistant.skills.volume import VolumeSkill


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
    ]


__all__ = ["Reply", "Skill", "SkillContext", "default_skills"]
