"""Small helpers the family modules share."""
import common_html
import store


def multiline(text):
    """User text as HTML: escaped, line breaks kept."""
    return common_html.esc(text or "").replace("\r\n", "\n").replace("\n", "<br>")


def cn_date(text):
    """'2024-05-29 17:11:17' -> '2024年05月29日'."""
    return store.parse_time(text).strftime("%Y年%m月%d日")


def ymd(text):
    return store.parse_time(text).strftime("%Y-%m-%d")


def is_public_visible(letter):
    return letter["state"] in ("待处理", "已回复") and letter["is_public"]


def clean(value, limit=20000):
    """A form value as a stripped string (files and other objects become '')."""
    return value.strip()[:limit] if isinstance(value, str) else ""


def raw_form(fields):
    """The submitted fields as stored: strings kept, files summarised."""
    return {k: (v if isinstance(v, str) else dict(v)) for k, v in fields.items()}
