"""The records service the kiosks talk to (one per province; stateless, horizontally scalable)."""

__version__ = "0.1.0"
