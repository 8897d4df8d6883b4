"""The contract suite's helper modules assert too: pytest shows their values on failure."""

import pytest

pytest.register_assert_rewrite("contract_flow", "contract_portal", "contract_props")
