"""A fresh conversation store per test, in the test's own KIMITUI_HOME."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kimitui.store import ConversationStore
from kimitui.store.opening import store_path


@pytest.fixture
def store() -> Iterator[ConversationStore]:
    opened = ConversationStore.open(store_path())
    yield opened
    opened.close()
