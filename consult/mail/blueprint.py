"""The mail blueprint, which the view modules add their routes to (see consult.mail.routes)."""

from flask import Blueprint

bp = Blueprint("mail", __name__)
