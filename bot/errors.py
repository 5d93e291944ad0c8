"""Errors a member can cause; each carries a message they can act on."""


class GiveFirstError(Exception):
    """Base for errors shown to the member who caused them."""

    def __init__(self, message: str, *, said: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.said = said
        """The same words as the message's parts (strings and spans), where plain text
        cannot say it: a mention of a member, say. Empty: the message itself."""


class InvalidInput(GiveFirstError):
    """The text or arguments of a command cannot be used as they are."""


class NotFound(GiveFirstError):
    """The offer, ask, member or introduction does not exist (any more)."""


class NotAllowed(GiveFirstError):
    """The member may not do this (someone else's item, or an admin action)."""


class NotPossible(GiveFirstError):
    """The action does not fit the current state (already solved, expired, …)."""
