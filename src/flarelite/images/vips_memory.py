"""Open images held in memory without copying them first.

pyvips passes ``bytes`` to the ``*_buffer`` loaders as a libvips blob, and making that blob
copies the whole buffer: a 3 MB original read for a header costs a 3 MB copy, and a render
holds two copies of its original. A memory *source* points at the Python bytes instead
(pyvips keeps them alive), with the same loaders, options and errors.
"""

from __future__ import annotations

from typing import Any

import pyvips


def open_image(data: bytes, options: str = "", **kwargs: Any) -> pyvips.Image:
    """``Image.new_from_buffer(data, options, **kwargs)`` without the copy."""
    return pyvips.Image.new_from_source(pyvips.Source.new_from_memory(data), options, **kwargs)


def thumbnail(data: bytes, width: int, **kwargs: Any) -> pyvips.Image:
    """``Image.thumbnail_buffer(data, width, **kwargs)`` without the copy."""
    return pyvips.Image.thumbnail_source(pyvips.Source.new_from_memory(data), width, **kwargs)
