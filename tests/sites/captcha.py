"""Image captchas drawn as real PNG files, in pure Python (zlib + struct).

A 5x7 bitmap font, scaled up, each glyph nudged and tinted, on a pale background with noise dots and
lines: a human (or an OCR command) can read it, a text search of the page cannot.
"""
import random
import struct
import zlib

# Characters a person will not confuse: no 0/O, 1/I/L.
ALNUM = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DIGITS = "0123456789"

FONT = {
    "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "B": ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
    "C": ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
    "D": ["11100", "10010", "10001", "10001", "10001", "10010", "11100"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "F": ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
    "G": ["01110", "10001", "10000", "10111", "10001", "10001", "01111"],
    "H": ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
    "J": ["00111", "00010", "00010", "00010", "00010", "10010", "01100"],
    "K": ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
    "M": ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
    "N": ["10001", "10001", "11001", "10101", "10011", "10001", "10001"],
    "P": ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
    "Q": ["01110", "10001", "10001", "10001", "10101", "10010", "01101"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
    "T": ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
    "U": ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
    "V": ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
    "W": ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
    "X": ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
    "Y": ["10001", "10001", "01010", "00100", "00100", "00100", "00100"],
    "Z": ["11111", "00001", "00010", "00100", "01000", "10000", "11111"],
}
UNKNOWN = ["11111", "10001", "10001", "10001", "10001", "10001", "11111"]

SCALE = 3
WIDTH, HEIGHT = 96, 34


def new_answer(alphabet=ALNUM, length=4):
    return "".join(random.choice(alphabet) for _ in range(length))


def png_encode(width, height, rows):
    """rows: list of bytes objects, each width*3 long (RGB)."""
    raw = b"".join(b"\x00" + r for r in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def render_png(text, seed=None):
    """The answer drawn as a WIDTH x HEIGHT PNG; seed makes the noise repeatable."""
    rnd = random.Random(seed)
    bg = (rnd.randint(232, 250), rnd.randint(236, 250), rnd.randint(232, 248))
    pix = [[list(bg) for _ in range(WIDTH)] for _ in range(HEIGHT)]

    def dot(x, y, color):
        if 0 <= x < WIDTH and 0 <= y < HEIGHT:
            pix[y][x] = list(color)

    for _ in range(3):  # interference lines under the text
        color = (rnd.randint(120, 200), rnd.randint(120, 200), rnd.randint(120, 200))
        x0, y0, x1, y1 = 0, rnd.randint(0, HEIGHT), WIDTH - 1, rnd.randint(0, HEIGHT)
        for x in range(WIDTH):
            dot(x, y0 + (y1 - y0) * x // WIDTH, color)
    step = (WIDTH - 8) // max(1, len(text))
    for i, ch in enumerate(text.upper()):
        glyph = FONT.get(ch, UNKNOWN)
        color = (rnd.randint(0, 110), rnd.randint(0, 90), rnd.randint(40, 160))
        ox = 6 + i * step + rnd.randint(-2, 2)
        oy = 5 + rnd.randint(-3, 3)
        slant = rnd.choice((-1, 0, 0, 1))
        for gy, line in enumerate(glyph):
            shift = (slant * (3 - gy)) // 2
            for gx, bit in enumerate(line):
                if bit == "1":
                    for sy in range(SCALE):
                        for sx in range(SCALE):
                            dot(ox + gx * SCALE + sx + shift, oy + gy * SCALE + sy, color)
    for _ in range(90):  # speckle
        dot(rnd.randrange(WIDTH), rnd.randrange(HEIGHT),
            (rnd.randint(60, 220), rnd.randint(60, 220), rnd.randint(60, 220)))
    rows = [bytes(c for px in row for c in px) for row in pix]
    return png_encode(WIDTH, HEIGHT, rows)
