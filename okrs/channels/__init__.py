"""Chat and mail channels behind one interface (section 8). See okrs.channels.base."""
