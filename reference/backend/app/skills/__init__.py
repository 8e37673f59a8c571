"""Skill registry. `load_all_skills()` registers http_call first, so the stub plan's skill stays http_call."""

_REGISTRY: dict[str, type] = {}


def register(skill: type) -> None:
    _REGISTRY[skill.name] = skill


def load_all_skills() -> None:
    from app.cost_profile import spend

    spend("skills")
    from app.skills.http_call import HttpCallSkill
    from app.skills.json_transform import JsonTransformSkill

    for skill in (HttpCallSkill, JsonTransformSkill):
        register(skill)


def get_skill(name: str) -> type | None:
    return _REGISTRY.get(name)


def list_skills() -> list[dict]:
    """Name and version only, as in the real registry (so the CLI's description is always 'No description')."""
    return [{"name": s.name, "version": s.version} for s in _REGISTRY.values()]


def get_skill_manifest() -> list[dict]:
    return list_skills()
