"""One decorator for a limit on something a person owns: her own budget, and an address ceiling.

See consult/ratelimits/keys.py for why a person's own response, pledge or browser is counted
before the address, and tests/ratelimits/test_limit_keys.py for the table of every limit.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from consult.extensions import limiter
from consult.ratelimits.keys import client_address

LimitValue = Callable[[], str]


def limit_by_owner(
    owner_limit: LimitValue,
    address_limit: LimitValue,
    owner: Callable[[], str],
    scope: str | None = None,
    methods: list[str] | None = None,
    deduct_when: Callable[[Response], bool] | None = None,
) -> Callable[[Callable], Callable]:
    """Limit a view per ``owner`` (the key of what the person owns) at ``owner_limit``, and
    per client address at ``address_limit``, a ceiling above what a full venue sends.

    With ``scope``, the views so decorated share both budgets (e.g. a response's page saves,
    autosaves and submission); ``deduct_when`` counts only the answers it accepts.
    """

    def decorate(view: Callable) -> Callable:
        for value, key in ((owner_limit, owner), (address_limit, client_address)):
            if scope is None:
                view = limiter.limit(value, key_func=key, methods=methods, deduct_when=deduct_when)(
                    view
                )
            else:
                view = limiter.shared_limit(
                    value,
                    f"{scope}-{key.__name__}",
                    key_func=key,
                    methods=methods,
                    deduct_when=deduct_when,
                )(view)
        return view

    return decorate
