"""Domain errors raised by services; views turn them into messages in the user's language."""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class InvalidSubmission(DomainError):
    """A survey submission that breaks a rule the form should already have caught."""


class AccountError(DomainError):
    """A user account cannot be created or changed as asked."""
