"""Chat and mail channels behind one interface (okrs.channels.base), found by name in CHANNELS.

Email is the fallback for a person whose own channel cannot reach them (docs/nudges.md).
"""
