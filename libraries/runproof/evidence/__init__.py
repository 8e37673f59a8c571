"""The evidence: evidence.json and evidence.md (the plan's §7 Output Template), the causes, the verdict on the
console, the timeline picture, and the masking that keeps secrets out of every artefact."""
