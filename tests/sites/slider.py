"""Slider captchas, in pure Python: a background picture with a gap, the piece that fits it, and the rule
that judges a drag.

The page (hanweb's slider_captcha switch) records the pointer trace of a drag (mousedown, every
mousemove, mouseup: client x, y and performance.now() in ms) and posts it; trace_verdict accepts when the
piece ends within TOLERANCE_PX of the gap AND the trace looks like a hand: at least MIN_MOVES moves,
at least MIN_MS long, not all on one y, and not at one speed. A script's straight-line instant drag
fails all four.
"""
import functools
import math
import random
import statistics

from captcha import png_encode

WIDTH, HEIGHT = 300, 150   # the background, drawn at this size
PIECE = 44                 # the piece is a PIECE x PIECE square
HANDLE = 44                # the handle's width; the track is WIDTH wide
ROOM = WIDTH - HANDLE      # how far the handle (and the piece) can go
TOLERANCE_PX = 5
MIN_MOVES = 10
MIN_MS = 200
MIN_SPEED_VARIATION = 0.25  # coefficient of variation of the move speeds below which it is a machine


def new_gap(rnd=random):
    """(x, y) of a new gap: x well away from the start, the whole piece inside the picture."""
    return rnd.randint(70, WIDTH - PIECE - 8), rnd.randint(8, HEIGHT - PIECE - 8)


def _background(seed):
    """WIDTH x HEIGHT RGB pixels (a list of rows of [r, g, b]): soft bands and blobs, not flat."""
    rnd = random.Random(seed)
    base = [rnd.randint(60, 200) for _ in range(3)]
    waves = [(rnd.uniform(0.01, 0.05), rnd.uniform(0.01, 0.05), rnd.uniform(0, 6)) for _ in range(3)]
    blobs = [(rnd.randint(0, WIDTH), rnd.randint(0, HEIGHT), rnd.randint(12, 40),
              [rnd.randint(0, 255) for _ in range(3)]) for _ in range(9)]
    pix = []
    for y in range(HEIGHT):
        row = []
        for x in range(WIDTH):
            c = [min(255, max(0, int(base[k] + 50 * math.sin(waves[k][0] * x + waves[k][1] * y + waves[k][2]))))
                 for k in range(3)]
            for bx, by, r, col in blobs:
                if (x - bx) ** 2 + (y - by) ** 2 <= r * r:
                    c = [(c[k] + col[k]) // 2 for k in range(3)]
            row.append(c)
        pix.append(row)
    return pix


@functools.lru_cache(maxsize=32)
def render(seed, gap):
    """(background PNG with the gap darkened and outlined, piece PNG cut from the same place)."""
    pix = _background(seed)
    gx, gy = gap
    piece_rows = []
    for y in range(PIECE):
        row = []
        for x in range(PIECE):
            edge = x < 2 or y < 2 or x >= PIECE - 2 or y >= PIECE - 2
            row.append([255, 255, 255] if edge else list(pix[gy + y][gx + x]))
        piece_rows.append(bytes(c for px in row for c in px))
    for y in range(gy, gy + PIECE):
        for x in range(gx, gx + PIECE):
            edge = x - gx < 2 or y - gy < 2 or x - gx >= PIECE - 2 or y - gy >= PIECE - 2
            pix[y][x] = [235, 235, 235] if edge else [c * 2 // 5 for c in pix[y][x]]
    bg_rows = [bytes(c for px in row for c in px) for row in pix]
    return png_encode(WIDTH, HEIGHT, bg_rows), png_encode(PIECE, PIECE, piece_rows)


def parse_trace(trace):
    """A posted trace as [(x, y, t)], or None when it is not a list of {x, y, t} numbers."""
    if not isinstance(trace, list) or len(trace) > 5000:
        return None
    pts = []
    for p in trace:
        if not isinstance(p, dict):
            return None
        try:
            pts.append((float(p["x"]), float(p["y"]), float(p["t"])))
        except (KeyError, TypeError, ValueError):
            return None
    return pts


def trace_offset(pts):
    """Where the drag left the piece: how far the pointer went right, within the track."""
    return min(max(pts[-1][0] - pts[0][0], 0), ROOM)


def trace_verdict(trace, gap_x):
    """(ok, reason): the drag fits the gap and looks like a hand."""
    pts = parse_trace(trace)
    if not pts or len(pts) < 2:
        return False, "no drag"
    offset = trace_offset(pts)
    if abs(offset - gap_x) > TOLERANCE_PX:
        return False, "the piece is %.0f px from the gap" % (offset - gap_x)
    moves = pts[1:-1]
    if len(moves) < MIN_MOVES:
        return False, "too few moves (%d)" % len(moves)
    took = pts[-1][2] - pts[0][2]
    if took < MIN_MS:
        return False, "too fast (%.0f ms)" % took
    if len({round(p[1]) for p in pts}) < 2:
        return False, "a straight line"
    speeds = [abs(b[0] - a[0]) / (b[2] - a[2]) for a, b in zip(pts, pts[1:]) if b[2] > a[2]]
    mean = statistics.fmean(speeds) if speeds else 0
    if len(speeds) < 3 or mean <= 0 or statistics.pstdev(speeds) / mean < MIN_SPEED_VARIATION:
        return False, "one speed all the way"
    return True, "ok"
