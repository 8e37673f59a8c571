"""json_transform: used by int_cli's demo with the identity operation."""


class JsonTransformSkill:
    name = "json_transform"
    version = "1.0.0"

    async def execute(self, params: dict) -> dict:
        return {"status": "ok", "result": params.get("payload")}
