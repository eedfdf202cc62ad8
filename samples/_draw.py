"""Drawing helpers for the sample generator: fonts, a painter that targets either a text-layer PDF
(reportlab) or a raster page (Pillow) with the same layout code, red seals, scan and photo effects.

Layout code works in millimetres from the top-left corner of the page, whatever the target.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/wqy")
FONT_REGULAR = FONT_DIR / "wqy-microhei.ttc"  # body text
FONT_BOLD = FONT_DIR / "wqy-zenhei.ttc"  # titles, seals

SEAL_RED = (220, 30, 40)
INK = (20, 20, 20)
MM_PER_PT = 25.4 / 72


def fonts_available() -> bool:
    return FONT_REGULAR.exists() and FONT_BOLD.exists()


_pil_fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def pil_font(size_px: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    key = ("b" if bold else "r", max(1, round(size_px)))
    if key not in _pil_fonts:
        _pil_fonts[key] = ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), key[1], index=0)
    return _pil_fonts[key]


# ---------------------------------------------------------------------------------------------
# Painter: one layout, two targets


class Painter(Protocol):
    width_mm: float
    height_mm: float

    def text(self, x: float, y: float, s: str, size: float, *, color: tuple[int, int, int] = INK,
             bold: bool = False, anchor: str = "l", spacing: float = 0.0) -> None: ...

    def text_width(self, s: str, size: float, bold: bool = False, spacing: float = 0.0) -> float: ...

    def line(self, x0: float, y0: float, x1: float, y1: float, *, color: tuple[int, int, int] = INK,
             width: float = 0.3) -> None: ...

    def rect(self, x: float, y: float, w: float, h: float, *, color: tuple[int, int, int] = INK,
             width: float = 0.3, fill: tuple[int, int, int] | None = None) -> None: ...

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None: ...


def wrap(p: Painter, s: str, size: float, max_w: float) -> list[str]:
    """Greedy character wrap for Chinese text (keeps ASCII runs whole where they fit)."""
    lines: list[str] = []
    for para in s.split("\n"):
        cur = ""
        for ch in para:
            # closing punctuation never starts a line: let it hang past the margin instead
            if p.text_width(cur + ch, size) > max_w and cur and ch not in "，、；：。）》”！？%":
                lines.append(cur)
                cur = "" if ch == " " else ch
            else:
                cur += ch
        lines.append(cur)
    return lines


def paragraph(p: Painter, x: float, y: float, s: str, size: float, max_w: float, *,
              leading: float = 1.55, indent: bool = False, **kw: object) -> float:
    """Draw wrapped text; returns the y below the last line."""
    if indent:
        s = "\u3000\u3000" + s
    for ln in wrap(p, s, size, max_w):
        p.text(x, y, ln, size, **kw)  # type: ignore[arg-type]
        y += size * MM_PER_PT * leading
    return y


class PdfPainter:
    """Draws on a reportlab canvas page; text stays selectable (a real text layer)."""

    FONT = "WQYMicroHei"
    FONT_B = "WQYZenHei"
    _registered = False

    def __init__(self, canvas: object, width_mm: float, height_mm: float) -> None:
        self.c = canvas
        self.width_mm = width_mm
        self.height_mm = height_mm
        self.register()

    @classmethod
    def register(cls) -> None:
        if cls._registered:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(cls.FONT, str(FONT_REGULAR), subfontIndex=0))
        pdfmetrics.registerFont(TTFont(cls.FONT_B, str(FONT_BOLD), subfontIndex=0))
        cls._registered = True

    def _pt(self, x: float, y: float) -> tuple[float, float]:
        from reportlab.lib.units import mm

        return x * mm, (self.height_mm - y) * mm

    def text_width(self, s: str, size: float, bold: bool = False, spacing: float = 0.0) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        w = stringWidth(s, self.FONT_B if bold else self.FONT, size) * MM_PER_PT
        return w + spacing * max(0, len(s) - 1)

    def text(self, x: float, y: float, s: str, size: float, *, color: tuple[int, int, int] = INK,
             bold: bool = False, anchor: str = "l", spacing: float = 0.0) -> None:
        """y is the baseline."""
        from reportlab.lib.units import mm

        w = self.text_width(s, size, bold, spacing)
        if anchor == "c":
            x -= w / 2
        elif anchor == "r":
            x -= w
        c = self.c
        c.setFillColorRGB(*(v / 255 for v in color))  # type: ignore[attr-defined]
        t = c.beginText()  # type: ignore[attr-defined]
        t.setFont(self.FONT_B if bold else self.FONT, size)
        t.setCharSpace(spacing * mm)
        t.setTextOrigin(*self._pt(x, y))
        t.textOut(s)
        c.drawText(t)  # type: ignore[attr-defined]

    def line(self, x0: float, y0: float, x1: float, y1: float, *, color: tuple[int, int, int] = INK,
             width: float = 0.3) -> None:
        from reportlab.lib.units import mm

        c = self.c
        c.setStrokeColorRGB(*(v / 255 for v in color))  # type: ignore[attr-defined]
        c.setLineWidth(width * mm)  # type: ignore[attr-defined]
        c.line(*self._pt(x0, y0), *self._pt(x1, y1))  # type: ignore[attr-defined]

    def rect(self, x: float, y: float, w: float, h: float, *, color: tuple[int, int, int] = INK,
             width: float = 0.3, fill: tuple[int, int, int] | None = None) -> None:
        from reportlab.lib.units import mm

        c = self.c
        c.setStrokeColorRGB(*(v / 255 for v in color))  # type: ignore[attr-defined]
        c.setLineWidth(width * mm)  # type: ignore[attr-defined]
        if fill:
            c.setFillColorRGB(*(v / 255 for v in fill))  # type: ignore[attr-defined]
        px, py = self._pt(x, y + h)
        c.rect(px, py, w * mm, h * mm, stroke=1 if width > 0 else 0, fill=1 if fill else 0)  # type: ignore[attr-defined]

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
        from reportlab.lib.units import mm
        from reportlab.lib.utils import ImageReader

        px, py = self._pt(x, y + h)
        self.c.drawImage(ImageReader(img), px, py, w * mm, h * mm, mask="auto")  # type: ignore[attr-defined]


class PilPainter:
    """Draws on an RGB page image at a given resolution (scans, photos, image-only PDFs)."""

    def __init__(self, width_mm: float, height_mm: float, dpi: float = 150,
                 paper: tuple[int, int, int] = (255, 255, 255)) -> None:
        self.width_mm = width_mm
        self.height_mm = height_mm
        self.k = dpi / 25.4  # px per mm
        self.img = Image.new("RGB", (round(width_mm * self.k), round(height_mm * self.k)), paper)
        self.d = ImageDraw.Draw(self.img)

    def _px(self, v: float) -> int:
        return round(v * self.k)

    def _font(self, size: float, bold: bool) -> ImageFont.FreeTypeFont:
        return pil_font(size * MM_PER_PT * self.k, bold)

    def text_width(self, s: str, size: float, bold: bool = False, spacing: float = 0.0) -> float:
        return self._font(size, bold).getlength(s) / self.k + spacing * max(0, len(s) - 1)

    def text(self, x: float, y: float, s: str, size: float, *, color: tuple[int, int, int] = INK,
             bold: bool = False, anchor: str = "l", spacing: float = 0.0) -> None:
        w = self.text_width(s, size, bold, spacing)
        if anchor == "c":
            x -= w / 2
        elif anchor == "r":
            x -= w
        f = self._font(size, bold)
        if spacing:
            for ch in s:
                self.d.text((self._px(x), self._px(y)), ch, font=f, fill=color, anchor="ls")
                x += f.getlength(ch) / self.k + spacing
        else:
            self.d.text((self._px(x), self._px(y)), s, font=f, fill=color, anchor="ls")

    def line(self, x0: float, y0: float, x1: float, y1: float, *, color: tuple[int, int, int] = INK,
             width: float = 0.3) -> None:
        self.d.line([(self._px(x0), self._px(y0)), (self._px(x1), self._px(y1))], fill=color,
                    width=max(1, round(width * self.k)))

    def rect(self, x: float, y: float, w: float, h: float, *, color: tuple[int, int, int] = INK,
             width: float = 0.3, fill: tuple[int, int, int] | None = None) -> None:
        self.d.rectangle([self._px(x), self._px(y), self._px(x + w), self._px(y + h)], fill=fill,
                         outline=color if width > 0 else None, width=max(1, round(width * self.k)))

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
        im = img.resize((self._px(w), self._px(h)), Image.Resampling.LANCZOS)
        if im.mode == "RGBA":
            # ink multiplies with the paper (print under the seal stays visible, as on a real page)
            base = self.img.crop((self._px(x), self._px(y), self._px(x) + im.width, self._px(y) + im.height))
            a = np.asarray(im, dtype=np.float32)
            alpha = a[..., 3:4] / 255.0
            ink = a[..., :3] / 255.0
            b = np.asarray(base, dtype=np.float32)
            out = b * (1 - alpha) + b * ink * alpha
            self.img.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)), (self._px(x), self._px(y)))
        else:
            self.img.paste(im.convert("RGB"), (self._px(x), self._px(y)))


# ---------------------------------------------------------------------------------------------
# Seals

@dataclass(frozen=True)
class SealSpec:
    arc_text: str  # along the top arc
    bottom_text: str = ""  # horizontal, under the centre (合同专用章, 发票专用章 …)
    middle_text: str = ""  # across the centre (the taxpayer id on invoice seals)
    shape: str = "round"  # round | oval
    star: bool = True
    serial: str = ""  # small digits along the bottom arc of round seals


def _glyph(ch: str, size_px: int, color: tuple[int, int, int], scale_x: float = 1.0) -> Image.Image:
    f = pil_font(size_px, bold=True)
    w = max(1, round(f.getlength(ch)))
    im = Image.new("L", (w + 4, size_px + 6), 0)
    ImageDraw.Draw(im).text((2, size_px + 2), ch, font=f, fill=255, anchor="ls")
    if scale_x != 1.0:
        im = im.resize((max(1, round(im.width * scale_x)), im.height), Image.Resampling.LANCZOS)
    return im


def _star(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    pts = []
    for i in range(10):
        ang = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.382
        pts.append((cx + rr * math.cos(ang), cy + rr * math.sin(ang)))
    d.polygon(pts, fill=255)


def _text_on_ellipse(mask: Image.Image, text: str, cx: float, cy: float, a: float, b: float,
                     size_px: int, start_deg: float, end_deg: float, scale_x: float = 1.0,
                     inward: bool = True) -> None:
    """Place characters along an ellipse arc, each rotated to the tangent (tops pointing out).

    Angles in degrees, 0 = top, clockwise positive; characters run from start to end.
    """
    n = len(text)
    if n == 0:
        return
    # space the characters by arc length, not by angle, so ovals look even
    samples = np.linspace(math.radians(start_deg), math.radians(end_deg), 721)
    xs = cx + a * np.sin(samples)
    ys = cy - b * np.cos(samples)
    seg = np.hypot(np.diff(xs), np.diff(ys))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    targets = np.linspace(0, cum[-1], n) if n > 1 else np.array([cum[-1] / 2])
    for ch, t in zip(text, targets, strict=True):
        i = int(np.searchsorted(cum, t).clip(0, len(samples) - 1))
        th = samples[i]
        x, y = cx + a * math.sin(th), cy - b * math.cos(th)
        # outward normal of the ellipse at this point
        nx, ny = math.sin(th) / a, -math.cos(th) / b
        ang = math.degrees(math.atan2(nx, -ny))  # 0 when the normal points up
        g = _glyph(ch, size_px, (255, 255, 255), scale_x)
        rot = g.rotate(-ang if inward else 180 - ang, resample=Image.Resampling.BICUBIC, expand=True)
        mask.paste(255, (round(x - rot.width / 2), round(y - rot.height / 2)), rot)


def draw_seal(spec: SealSpec, width_mm: float, height_mm: float | None = None, *,
              seed: int = 0, px_per_mm: float = 12.0, color: tuple[int, int, int] = SEAL_RED,
              opacity: float = 0.85) -> Image.Image:
    """Render a red seal impression as an RGBA image (supersampled, with ink texture).

    Round seals: 4.2 cm, company name on the top arc, a five-pointed star, the seal's use below.
    Oval invoice seals: 40 x 30 mm, name on the arc, the taxpayer id across, 发票专用章 below.
    """
    height_mm = height_mm or width_mm
    W, H = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    mask = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(mask)
    k = px_per_mm
    border = (1.1 if spec.shape == "round" else 0.9) * k
    pad = 0.4 * k
    d.ellipse([pad, pad, W - pad, H - pad], outline=255, width=round(border))
    cx, cy = W / 2, H / 2
    a, b = W / 2 - pad - border, H / 2 - pad - border
    if spec.shape == "round":
        size = round(max(3.6 * k, min(5.2 * k, 2 * math.pi * a * 0.62 / max(1, len(spec.arc_text)))))
        span = min(112.0, 16 + len(spec.arc_text) * 9.5)
        _text_on_ellipse(mask, spec.arc_text, cx, cy, a - size * 0.72, b - size * 0.72, size, -span, span,
                         scale_x=0.82)
        if spec.star:
            _star(d, cx, cy - 0.02 * H, 0.16 * H)
        if spec.bottom_text:
            f = pil_font(0.095 * H, bold=True)
            d.text((cx, cy + 0.56 * b), spec.bottom_text, font=f, fill=255, anchor="ms")
        if spec.serial:
            _text_on_ellipse(mask, spec.serial[::-1], cx, cy, a - 1.9 * k, b - 1.9 * k, round(2.0 * k),
                             180 - 28, 180 + 28, scale_x=0.8, inward=False)
    else:
        size = round(0.13 * H)
        span = min(86.0, 20 + len(spec.arc_text) * 7.0)
        _text_on_ellipse(mask, spec.arc_text, cx, cy, a - size * 0.68, b - size * 0.68, size, -span, span,
                         scale_x=0.72)
        if spec.middle_text:
            # printed in a tall narrow face across the seal
            f = pil_font(0.13 * H, bold=True)
            tw = f.getlength(spec.middle_text)
            strip = Image.new("L", (round(tw) + 4, round(0.16 * H)), 0)
            ImageDraw.Draw(strip).text((2, round(0.135 * H)), spec.middle_text, font=f, fill=255, anchor="ls")
            target_w = round(2 * a * (0.74 if len(spec.middle_text) > 8 else 0.55))
            strip = strip.resize((target_w, round(strip.height * 1.1)), Image.Resampling.LANCZOS)
            mask.paste(255, (round(cx - target_w / 2), round(cy - strip.height / 2 + 0.07 * H)), strip)
        if spec.star:
            _star(d, cx, cy - 0.2 * H, 0.08 * H)
        if spec.bottom_text:
            f = pil_font(0.13 * H, bold=True)
            d.text((cx, cy + 0.68 * b), spec.bottom_text, font=f, fill=255, anchor="ms")

    # ink texture: uneven pressure (low-frequency) and grain (high-frequency), a few dry spots
    rng = np.random.default_rng(seed)
    low = cv2.resize(rng.random((8, 8)).astype(np.float32), (W, H), interpolation=cv2.INTER_CUBIC)
    grain = rng.random((H, W)).astype(np.float32)
    m = np.asarray(mask.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32) / 255.0
    tex = 0.72 + 0.28 * low.clip(0, 1)
    tex = tex * np.where(grain < 0.06, 0.35, 1.0)
    alpha = (m * tex * opacity).clip(0, 1)
    rgba = np.zeros((H, W, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = color
    rgba[..., 3] = (alpha * 255).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")


# ---------------------------------------------------------------------------------------------
# Page furniture


def fake_qr(seed: int, modules: int = 25, px: int = 4) -> Image.Image:
    """A QR-looking pattern (finder squares and random modules); not decodable on purpose."""
    rng = random.Random(seed)
    n = modules
    grid = [[rng.random() < 0.5 for _ in range(n)] for _ in range(n)]
    for ox, oy in ((0, 0), (n - 7, 0), (0, n - 7)):
        for y in range(-1, 8):
            for x in range(-1, 8):
                if 0 <= ox + x < n and 0 <= oy + y < n:
                    edge = x in (0, 6) or y in (0, 6)
                    core = 2 <= x <= 4 and 2 <= y <= 4
                    grid[oy + y][ox + x] = (edge or core) and 0 <= x <= 6 and 0 <= y <= 6
    im = Image.new("L", ((n + 4) * px, (n + 4) * px), 255)
    d = ImageDraw.Draw(im)
    for y in range(n):
        for x in range(n):
            if grid[y][x]:
                d.rectangle([(x + 2) * px, (y + 2) * px, (x + 3) * px - 1, (y + 3) * px - 1], fill=0)
    return im.convert("RGB")


def real_qr(payload: str, px: int = 4) -> Image.Image:
    """A decodable QR code of ``payload`` (cv2.QRCodeEncoder, with its quiet zone), ``px`` pixels a
    module, as the tax system prints on invoices."""
    code = cv2.QRCodeEncoder.create().encode(payload)
    code = cv2.resize(code, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)
    return Image.fromarray(code).convert("RGB")


# ---------------------------------------------------------------------------------------------
# Scan and photo effects


def scan_effect(img: Image.Image, seed: int, *, tint: tuple[int, int, int] = (250, 248, 242),
                noise: float = 5.0, angle: float = 0.0, blur: float = 0.5) -> Image.Image:
    """Flatbed-scan look: paper tint, a slight tilt, soft focus, sensor noise and dust specks."""
    rng = np.random.default_rng(seed)
    a = np.asarray(img, dtype=np.float32)
    a = a * (np.array(tint, dtype=np.float32) / 255.0)
    h, w = a.shape[:2]
    if angle:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        a = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                           borderValue=tint)
    if blur:
        a = cv2.GaussianBlur(a, (0, 0), blur)
    a = a + rng.normal(0, noise, (h, w, 1)).astype(np.float32)
    specks = rng.random((h, w)) < 0.0004
    a[specks] *= 0.45
    return Image.fromarray(a.clip(0, 255).astype(np.uint8))


def phone_photo(img: Image.Image, seed: int, *, out_long: int = 1600, skew_deg: float = 4.0,
                rotate_quarter: int = 1) -> Image.Image:
    """Phone-camera look: the page lies on a desk, seen a little from the side, tilted, unevenly lit,
    and the picture is taken sideways (rotate_quarter x 90 degrees counter-clockwise)."""
    rng = np.random.default_rng(seed)
    src = np.asarray(img.convert("RGB"), dtype=np.float32)
    h, w = src.shape[:2]
    margin = 0.07
    W, H = round(w * (1 + 2 * margin)), round(h * (1 + 2 * margin + 0.04))
    # desk: a warm grey with a soft gradient and a little texture
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    desk = np.empty((H, W, 3), np.float32)
    base = 118 + 30 * (xx / W) + 10 * np.sin(yy / 37.0)
    desk[..., 0], desk[..., 1], desk[..., 2] = base * 1.05, base * 0.95, base * 0.82
    desk += rng.normal(0, 4, (H, W, 1)).astype(np.float32)
    # the page's corners: perspective (top edge farther away) plus an in-plane skew
    ox, oy = margin * w, margin * h
    src_pts = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[ox + 0.035 * w, oy + 0.01 * h], [ox + w - 0.02 * w, oy],
                      [ox + w + 0.01 * w, oy + h + 0.02 * h], [ox - 0.01 * w, oy + h * 1.01]])
    c = dst.mean(axis=0)
    th = math.radians(skew_deg)
    rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]], np.float32)
    dst = (dst - c) @ rot.T + np.float32([W / 2, H / 2])
    M = cv2.getPerspectiveTransform(src_pts, dst.astype(np.float32))
    page = cv2.warpPerspective(src, M, (W, H), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    cover = cv2.warpPerspective(np.ones((h, w), np.float32), M, (W, H), flags=cv2.INTER_LINEAR)
    cover = cv2.GaussianBlur(cover, (0, 0), 1.2)[..., None]
    # a soft shadow under the page edge
    shadow = cv2.GaussianBlur(cover[..., 0], (0, 0), 14)[..., None]
    out = desk * (1 - 0.35 * shadow) * (1 - cover) + page * cover
    # uneven light: a bright spot upper left, darker lower right, a slight warm cast
    light = 1.06 - 0.28 * np.hypot((xx - 0.25 * W) / W, (yy - 0.2 * H) / H)
    out = out * light[..., None] * np.float32([1.0, 0.98, 0.93])
    out = cv2.GaussianBlur(out, (0, 0), 0.7)
    out += rng.normal(0, 3.5, out.shape).astype(np.float32)
    im = Image.fromarray(out.clip(0, 255).astype(np.uint8))
    if rotate_quarter:
        im = im.rotate(90 * rotate_quarter, expand=True)
    scale = out_long / max(im.size)
    return im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
