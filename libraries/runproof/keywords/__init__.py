"""The Robot Framework keyword libraries: what `resources/*.resource` import, one class per concern of the plan.

They hold the keywords' arguments, logging and messages; what they judge or compute lives in the sibling
subpackages (target, facts, rules, evidence), which never import from here.
"""
