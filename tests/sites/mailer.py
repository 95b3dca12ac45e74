"""The mails a fixture site sends to a letter's e-mail address, and the mailbox that receives them.

A site with the mail_code switch on (hanweb) does not show the 查询码 on its success page: it mails it
(code_mail), and when the letter is answered it mails the answer too (reply_mail). Both are written the
way Chinese government mail systems write them: GBK, the Subject and the sender's name as RFC 2047
base64 words, the body base64; the reply as multipart/alternative (text/plain and text/html).

Every mail goes to one Mailbox (whatever the address: one test inbox), which the IMAP server
(imap.py) serves. Runtime only: a restart of server.py starts with an empty mailbox.
"""
import base64
import datetime
import threading

FROM_ADDR = "xinxiang@baochuan.gov.test"
FROM_NAME = "宝川市人民政府市长信箱"
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def word(text):
    """An RFC 2047 encoded word, GBK, base64."""
    return "=?GBK?B?%s?=" % base64.b64encode(text.encode("gbk")).decode("ascii")


def b64_lines(data):
    text = base64.b64encode(data).decode("ascii")
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def rfc5322_date(when_text):
    """'2026-03-02 09:30:00' (Beijing) -> 'Mon, 02 Mar 2026 09:30:00 +0800'."""
    t = datetime.datetime.strptime(when_text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return "%s, %02d %s %04d %02d:%02d:%02d +0800" % (days[t.weekday()], t.day, months[t.month - 1], t.year,
                                                        t.hour, t.minute, t.second)


def headers(to, subject, date_text, msg_id, sender_name=FROM_NAME):
    return ("From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@baochuan.gov.test>\r\n"
            "MIME-Version: 1.0\r\n" % (word(sender_name), FROM_ADDR, to, word(subject), rfc5322_date(date_text),
                                       msg_id))


def code_mail(x, now_text):
    """The acknowledgement with the letter's 查询码 (the success page does not show it)."""
    body = ("%s：\r\n您好！您于%s提交的来信《%s》已受理。\r\n信件编号：%s\r\n查询码：%s\r\n"
            "请妥善保管，凭信件编号和查询码查询办理情况。\r\n" % (x["name"] or "来信人", x["submitted_at"], x["title"],
                                                  x["number"], x["query_code"]))
    return (headers(x["email"], "信件受理通知", now_text, "code-%s" % x["id"]) +
            "Content-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            b64_lines(body.encode("gbk")) + "\r\n").encode("ascii")


def reply_mail(x):
    """The answer, mailed when the letter is answered: the reply's unit signs it, its date dates it."""
    r = x["reply"]
    plain = ("%s：\r\n您好！您的来信《%s》（信件编号%s）已办理完毕，答复如下：\r\n%s\r\n回复单位：%s\r\n回复时间：%s\r\n" % (
        x["name"] or "来信人", x["title"], x["number"], r["text"], r["unit"], r["date"]))
    html = "<html><body>%s</body></html>" % "".join(
        "<p>%s</p>" % (line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        for line in plain.split("\r\n") if line)
    boundary = "=_huixin_fixture_%s" % x["id"]
    return (headers(x["email"], "关于《%s》的答复" % x["title"], r["date"], "reply-%s" % x["id"],
                    sender_name=r["unit"]) +
            'Content-Type: multipart/alternative; boundary="%s"\r\n\r\n' % boundary +
            "--%s\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n" % (
                boundary, b64_lines(plain.encode("gbk"))) +
            "--%s\r\nContent-Type: text/html; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n" % (
                boundary, b64_lines(html.encode("gbk"))) +
            "--%s--\r\n" % boundary).encode("ascii")


class Mailbox:
    """One inbox: messages with IMAP UIDs (1, 2, ...) and the day they arrived (INTERNALDATE)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # [{"uid", "raw" (bytes), "date" (datetime.date, Beijing)}]
        self.next_uid = 1

    def deliver(self, raw, when=None):
        with self.lock:
            day = (when or datetime.datetime.now(BEIJING)).date()
            self.messages.append({"uid": self.next_uid, "raw": raw, "date": day})
            self.next_uid += 1
            return self.next_uid - 1

    def snapshot(self):
        with self.lock:
            return list(self.messages)

    def clear(self):
        with self.lock:
            self.messages = []
