"""Mail that comes in: reading a received message safely (parse.py, sanitise.py)."""

from .parse import Malformed, ParsedMessage, SentPart, parse

__all__ = ["Malformed", "ParsedMessage", "SentPart", "parse"]
