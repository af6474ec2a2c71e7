"""Tracker stores: where conversations' records live between turns and across restarts.

All backends keep the same small contract (``dialogue.protocols.TrackerStore``): an ordered,
append-only list of JSON records per conversation. ``sqlite`` is the default; ``redis`` and
``postgres`` let several processes share conversations. Each is imported only when named.
"""
