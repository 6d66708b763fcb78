"""Python imaplib (stdlib) against a Pochta IMAP server: the calls a Python
mail script makes. Prints PASS/FAIL lines; exits 1 when any check fails.
Environment: IMAP_PORT, IMAP_USER, IMAP_PASS (plaintext on loopback)."""
import imaplib
import os
import re
import socket
import sys
import time

PORT = int(os.environ["IMAP_PORT"])
USER = os.environ["IMAP_USER"]
PASS = os.environ["IMAP_PASS"]
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("PASS " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, str(detail)[:300]))


def connect():
    m = imaplib.IMAP4("127.0.0.1", PORT, timeout=10)
    m.login(USER, PASS)
    return m


MSG = (
    b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: imaplib check\r\n"
    b"Date: Wed, 01 Jan 2020 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Gr=C3=BC=C3=9Fe aus K=C3=B6ln, zebrafish inside.\r\n"
)

m = connect()
typ, caps = m.capability()
caps = caps[0].decode().split()
for c in ("IDLE", "UIDPLUS", "MOVE", "CONDSTORE"):
    check("capability." + c, c in caps, caps)

m.create("PyCheck")
typ, data = m.append("PyCheck", "(\\Flagged)", imaplib.Time2Internaldate(time.time()), MSG)
check("append.appenduid", typ == "OK" and b"APPENDUID" in data[0], data)
typ, data = m.select("PyCheck")
check("select.exists", typ == "OK" and data[0] == b"1", data)

typ, data = m.fetch("1", "(FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[])")
head = data[0][0] if isinstance(data[0], tuple) else data[0]
check("fetch.flags", b"FLAGS (\\Flagged)" in head, head)
check("fetch.size", ("RFC822.SIZE %d" % len(MSG)).encode() in head, head)
check("fetch.envelope", b'"imaplib check"' in head, head)
check("fetch.bodystructure", b'("text" "plain" ("charset" "utf-8") NIL NIL "QUOTED-PRINTABLE"' in head, head)
check("fetch.body_bytes_equal", isinstance(data[0], tuple) and data[0][1] == MSG, data)

typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
check("fetch.header_fields", data[0][1] == b"Subject: imaplib check\r\n\r\n", data)
typ, data = m.fetch("1", "(BODY[TEXT]<0.8>)")
check("fetch.partial_sets_seen", data[0][1] == b"Gr=C3=BC" and b"\\Seen" in data[1], data)

m.literal = "Grüße aus Köln".encode("utf-8")
typ, data = m.uid("SEARCH", "CHARSET", "UTF-8", "BODY")
check("search.utf8_literal_qp_body", typ == "OK" and data[0] == b"1", data)
typ, data = m.search(None, "SUBJECT", '"IMAPLIB"', "SENTON", "1-Jan-2020", "FLAGGED")
check("search.subject_senton_flagged", data[0] == b"1", data)

typ, data = m.store("1", "+FLAGS", "(\\Answered $Done)")
check("store.add_flags", typ == "OK" and b"\\Answered" in data[0] and b"$Done" in data[0], data)

m.create("PyCheck/Sub")
typ, data = m.uid("COPY", "1", "PyCheck/Sub")
code = m.response("COPYUID")[1]
check("uid_copy.copyuid", typ == "OK" and code[0] is not None and re.fullmatch(rb"\d+ 1 1", code[0]) is not None, code)
typ, data = m.uid("MOVE", "1", "PyCheck/Sub")
check("uid_move", typ == "OK", data)
typ, data = m.select("PyCheck/Sub")
check("moved_messages_arrived", data[0] == b"2", data)

# IDLE (imaplib before 3.14 has no idle()): raw on the socket, a second session appends.
m.send(b"i1 IDLE\r\n")
line = m.readline()
check("idle.continuation", line.startswith(b"+"), line)
other = connect()
other.append("PyCheck/Sub", None, None, MSG)
other.logout()
m.sock.settimeout(5)
got = b""
try:
    while b"EXISTS" not in got:
        got += m.readline()
except socket.timeout:
    pass
check("idle.exists_from_other_session", b"* 3 EXISTS" in got, got)
m.send(b"DONE\r\n")
done = b""
while not done.startswith(b"i1 "):
    done = m.readline()
check("idle.done", done.startswith(b"i1 OK"), done)

m.store("1:*", "+FLAGS", "(\\Deleted)")
typ, data = m.expunge()
check("expunge", typ == "OK" and data == [b"1", b"1", b"1"], data)
m.close()
m.delete("PyCheck/Sub")
m.delete("PyCheck")
typ, data = m.logout()
check("logout", typ == "BYE", data)
sys.exit(1 if failed else 0)
