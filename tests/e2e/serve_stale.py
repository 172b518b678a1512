"""serve_stale.py PORT_A PORT_B TOKEN DB — the client of serve_stale.sh.  Instance A holds a copy
of a call that instance B has moved on since; A's write of an answer on that stale copy fails for
a store reason (another process holds SQLite's write lock past the busy timeout), so A answers
with the answer kept in memory, "saved": false.  Once the lock goes, that answer must never reach
the store: A's next request finds its copy refused, loads the call again, and shows B's path; the
store holds B's events alone, numbered without a gap."""
import os
import sqlite3
import sys
import time

sys.dont_write_bytecode = True   # importing tests/lib/dthttp.py leaves no __pycache__ behind
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dthttp import VALGRIND, Client, check, done  # noqa: E402

pa, pb, token, db = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = Client(pa, token, timeout=120 if VALGRIND else 40)


def pick(view):
    """The body of an answer to this view: its first choice, or on."""
    if view.get("choices"):
        return {"choice": view["choices"][0]["id"]}
    return {"continue": True}


st, _, s = c.call("POST", "/v1/sessions", {"tree": "internet-down"})
check(st == 201, "started on A: %d" % st)
sid, seq0 = s["id"], s["seq"]
# B moves the call on (it loads it from the store and takes the claim); A's copy is now stale
st, _, b1 = c.answer(sid, seq0, port=pb, **pick(s["view"]))
check(st == 200 and b1["seq"] > seq0, "B answers: %d" % st)
# another process holds the write lock past the server's busy timeout (10 s): A's write fails
lock = sqlite3.connect(db, timeout=0, isolation_level=None)
lock.execute("BEGIN IMMEDIATE")
t0 = time.monotonic()
st, _, a1 = c.answer(sid, seq0, **pick(s["view"]))  # the seq A's copy has: run on that copy
took = time.monotonic() - t0
lock.execute("COMMIT")
lock.close()
saved = a1.get("recording", {}).get("saved") if isinstance(a1, dict) else None
check(st == 200 and saved is False, "A answers on its copy, not saved: %d %s" % (st, saved))
# the lock is waited out once: once the write failed for it, nothing else of the request waits
check(took < (19 if VALGRIND else 15), "the answer waits for the lock once: %.1f s" % took)
# A's next request: its copy is refused by the store, the call loaded again, B's path shown
st, _, g = c.call("GET", "/v1/sessions/%s" % sid)
check(st == 200 and g["seq"] == b1["seq"], "A shows the store's call: %d seq %s, B's %d" %
      (st, g.get("seq") if isinstance(g, dict) else g, b1["seq"]))
check(isinstance(g, dict) and g.get("recording", {}).get("saved") is True,
      "with nothing waiting: %s" % (g.get("recording") if isinstance(g, dict) else g))
st, _, gb = c.call("GET", "/v1/sessions/%s" % sid, port=pb)
check(st == 200 and isinstance(g, dict) and gb.get("path") == g.get("path"),
      "the same path on both instances: A %s, B %s" % (g.get("path"), gb.get("path")))
# the store: B's events alone, one seq each, no gap
con = sqlite3.connect(db)
seqs = [r[0] for r in con.execute(
    "SELECT e.seq FROM events e JOIN sessions s ON s.sid = e.sid WHERE s.uuid = ? ORDER BY e.seq",
    (sid,))]
con.close()
check(seqs == list(range(1, b1["seq"] + 1)), "the store holds %s, B's %d events" %
      (seqs, b1["seq"]))
# and A goes on from there
st, _, a2 = c.answer(sid, b1["seq"], **pick(b1["view"]))
check(st == 200 and a2["seq"] > b1["seq"] and a2["recording"]["saved"] is True,
      "A answers from B's state: %d" % st)
done()
