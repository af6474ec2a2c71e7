"""The rule-based dialogue manager: event-sourced trackers, YAML rules, forms, custom actions.

Kept import-light: ``dialogue.dm.manager`` is loaded only when a domain's pipeline names ``rules``.
"""
