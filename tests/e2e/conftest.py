"""Fixtures shared by the end-to-end modules: a tenant of the shared server and its SDK."""

from __future__ import annotations

import cloudflare
import pytest
from tests.factories import Tenant, make_tenant
from tests.servers import Server, sdk


@pytest.fixture(scope="module")
def tenant(server: Server) -> Tenant:
    """A user with their own account and an all-powerful user token, one per module."""
    return make_tenant(server)


@pytest.fixture(scope="module")
def tenant_cf(server: Server, tenant: Tenant) -> cloudflare.Cloudflare:
    """The official SDK authenticated as ``tenant``."""
    return sdk(server, tenant.token)
