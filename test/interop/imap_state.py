"""Server side of the sync-client tests: seed folders, change them the way another
client would, and dump what the server holds. Python's stdlib imaplib over
STARTTLS (the certificate is the daemon's self-signed one, so it is not verified).

  imap_state.py seed FOLDER COUNT PREFIX    APPEND COUNT messages "PREFIX <i>"
  imap_state.py ops FOLDER OTHER            flag 10, delete+expunge 5, MOVE 5 to OTHER,
                                            \\Seen on 3 (by UID order, from the lowest)
  imap_state.py dump FOLDER...              JSON {folder: {subject: "FS"-letters}}

Environment: IMAP_PORT, IMAP_USER, IMAP_PASS.
"""
import imaplib
import json
import os
import re
import ssl
import sys


def connect():
    m = imaplib.IMAP4("127.0.0.1", int(os.environ["IMAP_PORT"]), timeout=20)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m.starttls(ctx)
    m.login(os.environ["IMAP_USER"], os.environ["IMAP_PASS"])
    return m


def ok(result):
    typ, data = result
    if typ != "OK":
        raise SystemExit("server said %s %r" % (typ, data))
    return data


def seed(m, folder, count, prefix):
    m.create(folder)  # may exist already: the answer does not matter
    for i in range(count):
        body = (
            "From: <seed@example.test>\r\nTo: <user@example.test>\r\nSubject: %s %d\r\n"
            "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s.%d@sync.test>\r\n\r\n"
            "Seeded message %d of %s.\r\n" % (prefix, i, prefix.replace(" ", "."), i, i, prefix)
        )
        ok(m.append(folder, None, None, body.encode()))


def uids(m, folder):
    ok(m.select(folder))
    return ok(m.uid("SEARCH", "ALL"))[0].split()


def ops(m, folder, other):
    u = uids(m, folder)
    ok(m.uid("STORE", b",".join(u[0:10]), "+FLAGS", "(\\Flagged)"))
    ok(m.uid("STORE", b",".join(u[10:15]), "+FLAGS", "(\\Deleted)"))
    ok(m.expunge())
    ok(m.uid("MOVE", b",".join(u[20:25]), other))
    ok(m.uid("STORE", b",".join(u[30:33]), "+FLAGS", "(\\Seen)"))


def dump(m, folders):
    out = {}
    for folder in folders:
        n = int(ok(m.select(folder, readonly=True))[0])
        state = {}
        if n:
            for item in ok(m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")):
                if not isinstance(item, tuple):
                    continue
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode()
                subject = item[1].decode().strip().removeprefix("Subject: ")
                state[subject] = ("F" if "\\Flagged" in flags else "") + ("S" if "\\Seen" in flags else "")
        out[folder] = state
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    m = connect()
    if cmd == "seed":
        seed(m, args[0], int(args[1]), args[2])
    elif cmd == "ops":
        ops(m, args[0], args[1])
    elif cmd == "dump":
        print(json.dumps(dump(m, args)))
    else:
        raise SystemExit("unknown command " + cmd)
    m.logout()


main()
