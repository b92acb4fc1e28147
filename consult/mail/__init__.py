"""E-mail: the outbox, the sender, and the messages the platform sends.

Every message is rendered when the action that causes it happens and written to the outbox in
the same transaction (consult/mail/outbox.py); a sender outside any request delivers it
(consult/mail/sender.py). Without MAIL_HOST the sender writes .eml files into
``<instance>/mail/``, which admins can read in the workspace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

log = logging.getLogger("consult.mail")

#: MAIL_* settings (set them as CONSULT_MAIL_* variables or in instance/config.py).
DEFAULTS: dict[str, Any] = {
    #: The SMTP server; empty: messages are written as .eml files in <instance>/mail/.
    "MAIL_HOST": None,
    #: Default by MAIL_SECURITY: 587 (starttls), 465 (tls), 25 (none).
    "MAIL_PORT": None,
    #: "starttls" (upgrade a plain connection), "tls" (TLS from the start) or "none".
    "MAIL_SECURITY": "starttls",
    #: Check the server's TLS certificate (against the system's CAs, or MAIL_TLS_CA_FILE).
    #: false only for a test server with a self-signed certificate.
    "MAIL_TLS_VERIFY": True,
    "MAIL_TLS_CA_FILE": None,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    #: The sender's address and name on every message.
    "MAIL_FROM": "consult@localhost",
    "MAIL_FROM_NAME": "UCLG CISDP",
    #: Seconds every SMTP operation (connect, each command, the data) may take.
    "MAIL_TIMEOUT": 20,
    #: Messages claimed at once, and how long a claim holds (seconds).
    "MAIL_BATCH_SIZE": 100,
    "MAIL_LEASE": 600,
    #: Deliveries are written to the database together, every this many messages or seconds
    #: (whichever comes first): a sender killed at the wrong moment sends again at most these.
    "MAIL_RECORD_EVERY": 25,
    "MAIL_RECORD_SECONDS": 1.0,
    #: Seconds between two looks at an empty outbox.
    "MAIL_POLL_INTERVAL": 5,
    #: Temporary failures: doubling delays from MAIL_RETRY_BASE up to MAIL_RETRY_MAX seconds,
    #: and at most this many attempts (about 17 hours with the defaults).
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_RETRY_BASE": 60,
    "MAIL_RETRY_MAX": 4 * 3600,
    #: Sent and failed messages (bodies already cleared) are deleted after this many days.
    "MAIL_KEEP_DAYS": 30,
    #: Run the sender as a thread of this process (set by `make run` for `consult run`).
    "MAIL_SEND_IN_BACKGROUND": False,
    #: `consult serve` starts a sender process beside gunicorn unless this is false.
    "MAIL_SENDER_WITH_SERVE": True,
    #: The moderators' digest: one per day, a day starting at this hour in this time zone
    #: (an IANA name such as "Europe/Madrid"), whatever the hosts' own zones.
    "MAIL_DIGEST_HOUR": 7,
    "MAIL_DIGEST_TIMEZONE": "UTC",
    #: A reminder goes to the same invitee at most once per this many days.
    "MAIL_REMINDER_INTERVAL_DAYS": 7,
    #: "E-mail me my link" per response (its personal link); "lost your link?" and the staff
    #: password mails per client address (no response or account is known before).
    "MAIL_REQUEST_LIMIT": "5 per hour;20 per day",
    #: The personal-link mails of every response behind one client address (a venue's Wi-Fi).
    "MAIL_ADDRESS_REQUEST_LIMIT": "60 per hour;200 per day",
    #: Every message a public request causes (quota.py): per client address when nobody's own
    #: response, pledge or contribution caused it, else per that requester; every one against
    #: the address's ceiling (a venue's Wi-Fi); and per recipient and requester.
    "MAIL_PUBLIC_LIMIT": "20 per hour;50 per day",
    "MAIL_REQUESTER_LIMIT": "10 per hour;30 per day",
    "MAIL_ADDRESS_CEILING": "300 per hour;1000 per day",
    "MAIL_PER_RECIPIENT_PER_DAY": 10,
    #: Every public message from one client address to one recipient, whoever caused it (a
    #: flood of new drafts to one stranger), per budget (consult/mail/kinds.py).
    "MAIL_CLIENT_RECIPIENT_LIMIT": "5 per hour;12 per day",
    #: Every public message to one recipient from all clients in 24 hours, per budget: the
    #: recipient's own steps (a submitted response's receipt, a pledge sent) ...
    "MAIL_RECIPIENT_CEILING_PER_DAY": 25,
    #: ... and what anyone can cause by typing an address (a draft's link, a join draft's
    #: copy), which never spends the first; the owner's "Lost your link?" counts in neither.
    "MAIL_STRANGER_CEILING_PER_DAY": 25,
}


def init_app(app: Flask) -> None:
    """Fill in the MAIL_* defaults and, when asked, start the sender thread."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    _take_deprecated_base_url(app)
    from consult.mail.sender import Settings

    Settings.from_app(app)  # fail at start on a wrong MAIL_SECURITY, not at the first message
    from consult.mail.digest import check_settings

    check_settings(app.config)
    from consult.mail import contributors, invitee_mail, link_box

    contributors.init_app()
    invitee_mail.init_app()
    app.add_template_global(link_box.state, "link_box_state")
    if app.config["MAIL_SEND_IN_BACKGROUND"] and not app.config.get("TESTING"):
        from consult.mail.sender import start_thread

        start_thread(app)


def _take_deprecated_base_url(app: Flask) -> None:
    """Accept CONSULT_MAIL_BASE_URL, the old name of CONSULT_BASE_URL, with a warning.

    Every link in every message is built from BASE_URL (consult.core.links.absolute_url_for);
    deployed configurations that still set the old name keep working until they are updated.
    """
    old = app.config.pop("MAIL_BASE_URL", None)
    if not old:
        return
    from consult.core.links import check_base_url

    if app.config.get("BASE_URL"):
        log.warning(
            "CONSULT_MAIL_BASE_URL is deprecated and ignored: CONSULT_BASE_URL (%s) is used "
            "for every link; remove CONSULT_MAIL_BASE_URL",
            app.config["BASE_URL"],
        )
        return
    app.config["BASE_URL"] = check_base_url(old)
    log.warning(
        "CONSULT_MAIL_BASE_URL is deprecated: rename it CONSULT_BASE_URL (used for every link)"
    )
