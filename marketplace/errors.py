"""Domain errors raised by services; each carries a message for the user."""


class ServiceError(Exception):
    """A state change that was refused. ``message`` is already in the user's language."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    """The actor may not perform this change."""

    status_code = 403


class InvalidTransition(ServiceError):
    """The object is not in a state that allows this change."""

    status_code = 409
