"""Make the delivery bench's photos from the real photographs scikit-image ships (no downloads).

Run with the bench venv: ``bench/.venv/bin/python bench/make_data.py`` -> bench/data/
photo_12mp.jpg (4000x3000, q92) and photo_2mp.jpg (1920x1080, q92), deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

OUT = Path(__file__).resolve().parent / "data"
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry")
TEXTURES = ("grass", "gravel", "brick")


def mosaic(width: int, height: int, seed: int) -> Image.Image:
    """Crops of the photos at 1.0-1.6x tiled over the canvas, plus texture detail and grain,
    so the entropy is camera-like (performance.md "Test images")."""
    rng = np.random.default_rng(seed)
    canvas = Image.new("RGB", (width, height))
    tile = 500
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            photo = Image.fromarray(getattr(data, PHOTOS[rng.integers(len(PHOTOS))])())
            scale = rng.uniform(1.0, 1.6)
            photo = photo.convert("RGB").resize(
                (int(photo.width * scale), int(photo.height * scale)), Image.Resampling.LANCZOS
            )
            x = int(rng.integers(0, max(1, photo.width - tile)))
            y = int(rng.integers(0, max(1, photo.height - tile)))
            canvas.paste(photo.crop((x, y, x + tile, y + tile)), (left, top))
    pixels = np.asarray(canvas, dtype=np.float32)
    texture = np.asarray(
        Image.fromarray(getattr(data, TEXTURES[seed % len(TEXTURES)])()).resize((width, height)),
        dtype=np.float32,
    )
    detail = (texture - texture.mean()) * 0.25
    grain = rng.normal(0.0, 2.0, pixels.shape).astype(np.float32)
    pixels = np.clip(pixels + detail[..., None] + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (width, height) in {"photo_12mp": (4000, 3000), "photo_2mp": (1920, 1080)}.items():
        path = OUT / f"{name}.jpg"
        mosaic(width, height, seed=width).save(path, quality=92, subsampling=2)
        print(f"{path.name}: {width}x{height}, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
