"""The full metadata: imports every domain's tables so Alembic sees one schema.

Migrations and ``alembic check`` read ``metadata`` from here; nothing else should.
"""

from __future__ import annotations

from flarelite.audit import models as _audit  # noqa: F401  (registers tables)
from flarelite.dns import models as _dns  # noqa: F401
from flarelite.identity import models as _identity  # noqa: F401
from flarelite.images import models as _images  # noqa: F401
from flarelite.storage.db import Base
from flarelite.tokens import models as _tokens  # noqa: F401

metadata = Base.metadata
