"""The one exception every door shows to the user as it is: a rule was broken."""


class RuleViolation(ValueError):
    """A change the rules refuse; the message is for the user, in their words."""
