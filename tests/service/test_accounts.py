"""Accounts: who may be made, and what they then see."""

from __future__ import annotations

import pytest

from service.accounts import AccountError, create_account
from service.settings import Settings
from service.store import Store


def test_a_reviewer_must_answer_for_a_district(settings: Settings) -> None:
    """A reviewer sees the dossiers of its districts: one made without any would see nothing, not
    even the dossiers it uploads itself, so it is refused with what to add."""
    store = Store.open(settings)
    with store.session() as session:
        with pytest.raises(AccountError, match="区县") as refused:
            create_account(session, "rev", "reviewer", password="correct horse")
        assert refused.value.code == "bad_district"
        account, _ = create_account(session, "rev", "reviewer", district=["历下区"], password="correct horse")
        assert account.district == "历下区"
        admin, _ = create_account(session, "boss", "admin")  # an admin sees every district
        assert admin.district == ""
