"""The app icons (PNG), drawn with Pillow at build time: no binary files in the repository.

A handwritten-looking ``+`` over ``=`` in white on the theme colour. The maskable variant keeps the drawing
inside the central 60 % safe zone, because launchers crop maskable icons to a circle or a squircle.
"""

from pathlib import Path

THEME = (31, 58, 95)
INK = (251, 250, 247)
SIZES = {"icon-192.png": (192, False), "icon-512.png": (512, False), "icon-maskable-512.png": (512, True)}


def draw_icon(size, maskable):
    """One icon as a Pillow image of ``size`` × ``size`` pixels."""
    from PIL import Image, ImageDraw

    scale = 4  # draw large, then downsample: smooth round strokes without anti-aliasing support in ImageDraw
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, big, big], fill=THEME)
        inset = 0.2 * big
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=int(0.22 * big), fill=THEME)
        inset = 0.12 * big
    unit = (big - 2 * inset) / 10
    pen = max(2, int(1.1 * unit))

    def line(x0, y0, x1, y1):
        points = [(inset + x0 * unit, inset + y0 * unit), (inset + x1 * unit, inset + y1 * unit)]
        draw.line(points, fill=INK, width=pen)
        for x, y in points:  # round caps
            draw.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill=INK)

    line(3.0, 1.0, 3.1, 5.0)  # plus, slightly slanted like a hand-drawn one
    line(1.0, 3.1, 5.0, 2.9)
    line(5.2, 6.4, 9.0, 6.3)  # equals
    line(5.2, 8.4, 9.0, 8.3)
    return image.resize((size, size), Image.LANCZOS)


def write_icons(folder):
    """Write every icon into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, maskable) in SIZES.items():
        path = folder / name
        draw_icon(size, maskable).save(path, optimize=True)
        written.append(path)
    return written
