"""Drive Pochta's POP3 with Python's stdlib poplib and print one JSON report.

Usage: poplib_session.py HOST PORT MODE USER PASSWORD   (MODE: stls | ssl | plain)
Reads nothing else; the Node test compares the report with the store.
"""
import hashlib
import json
import poplib
import ssl
import sys

host, port, mode, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

report = {}
if mode == "ssl":
    p = poplib.POP3_SSL(host, port, context=ctx, timeout=20)
else:
    p = poplib.POP3(host, port, timeout=20)
report["welcome"] = p.getwelcome().decode()
report["capa_before"] = sorted(p.capa().keys())
if mode == "stls":
    p.stls(context=ctx)
    report["capa_after_stls"] = sorted(p.capa().keys())
p.user(user)
p.pass_(password)
count, size = p.stat()
report["stat"] = [count, size]
report["list"] = [line.decode() for line in p.list()[1]]
report["uidl"] = [line.decode() for line in p.uidl()[1]]
report["uidl_1"] = p.uidl(1).decode()
# poplib strips line ends and undoes dot-stuffing: rebuild the bytes with CRLF.
report["retr_sha256"] = []
for n in range(1, count + 1):
    lines = p.retr(n)[1]
    report["retr_sha256"].append(hashlib.sha256(b"".join(line + b"\r\n" for line in lines)).hexdigest())
report["top_1_0"] = [line.decode("latin1") for line in p.top(1, 0)[1]]
p.dele(1)
report["stat_after_dele"] = list(p.stat())
p.rset()
report["stat_after_rset"] = list(p.stat())
p.noop()
try:
    p.retr(count + 1)
    report["retr_missing"] = "+OK"
except poplib.error_proto as e:
    report["retr_missing"] = str(e)
p.dele(count)
report["quit"] = p.quit().decode()
print(json.dumps(report))
