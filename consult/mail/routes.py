"""Every mail page: importing the view modules registers their routes on the blueprint."""

from flask import Blueprint

from consult.mail import invitation_views, staff_views, views
from consult.mail.blueprint import bp

__all__ = ["bp", "invitation_views", "staff_views", "views"]


def blueprint() -> Blueprint:
    """Return the mail blueprint with every route registered."""
    return bp
