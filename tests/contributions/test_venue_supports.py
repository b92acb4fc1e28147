"""A working session's colleagues behind one address each count their "I agree".

Supports counted three per address per contribution: the fourth browser of a city hall was
refused, and the count shown understated support. A support is the browser's own (once per
browser); the address bears only a ceiling against ballot stuffing (SUPPORTS_PER_ADDRESS),
and a support over it is said on the page not to be counted.
"""

from __future__ import annotations

from consult.contributions.models import Contribution
from consult.db import db
from tests.contributions.test_moderation import _support

VENUE = "203.0.113.77"

#: (browsers behind the venue's address, the app's settings, supports counted).
CASES = [
    (30, {}, 30),  # a working session: every colleague's support counts
    (4, {"SUPPORTS_PER_ADDRESS": 3}, 3),  # a ceiling, when set that low, still holds
]


def test_a_venue_counts_every_colleagues_support(make_app, contribute):
    for browsers, settings, counted in CASES:
        app = make_app(RATELIMIT_ENABLED=True, **settings)
        with app.app_context():
            from consult.contributions import operations
            from consult.db import writing

            with writing():
                contribution, _ = operations.create_contribution(
                    db.session,
                    kind="comment",
                    text="Agreeable",
                    language="en",
                    organisation_type="other",
                )
                operations.publish(db.session, contribution)
                db.commit()
                contribution_id = contribution.id
        pages = [_support(app.test_client(), contribution_id, VENUE) for _n in range(browsers)]
        said = ["your support is counted" in page for page in pages]
        assert said == [True] * counted + [False] * (browsers - counted)
        # A support not counted is said so, in those words.
        assert all("Your support was not counted" in page for page in pages[counted:])
        with app.app_context():
            assert db.session.get(Contribution, contribution_id).support_count == counted
        page = app.test_client().get(f"/contributions/{contribution_id}").get_data(as_text=True)
        assert f"{counted} people support" in page
