#!/usr/bin/env python3
"""What storing a line costs SQLite alone, by the indexes `messages` has (BENCHMARKS.md,
"100 x 10 on a slower machine"): microseconds a line, and pages each commit writes to the log.

The table is the `messages` of migrations/sqlite 0001-0012, copied by hand; 100 rooms of 10
senders, nonces as chat-bench makes them, WAL with synchronous = NORMAL and a 16 MiB cache, as
the server's inserter. Run: python3 scripts/sqlite_insert_pages.py [DIRECTORY]"""

import os
import random
import sqlite3
import sys
import tempfile
import time

COLUMNS = """id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms (id), seq INTEGER NOT NULL,
    sender_id INTEGER NOT NULL REFERENCES users (id), body TEXT NOT NULL,
    sent_at INTEGER NOT NULL, nonce TEXT, kind TEXT NOT NULL DEFAULT 'text',
    target_id INTEGER, edited_at INTEGER, deleted_at INTEGER,
    mentions TEXT NOT NULL DEFAULT '[]'"""
SEQ = ", UNIQUE (room_id, seq)"
NONCE = ", UNIQUE (room_id, sender_id, nonce)"
ROOMS, SENDERS_PER_ROOM = 100, 10


def run(directory, indexes, room_id_index, batch, commits=300, measured=50):
    path = os.path.join(directory, "pages.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
        "PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 0;"
        "CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE rooms (id INTEGER PRIMARY KEY);"
        f"CREATE TABLE messages ({COLUMNS}{indexes});"
    )
    if room_id_index:
        db.execute("CREATE INDEX messages_room_id ON messages (room_id, id)")
    db.executemany("INSERT INTO users VALUES (?)", [(i,) for i in range(1, ROOMS * SENDERS_PER_ROOM + 1)])
    db.executemany("INSERT INTO rooms VALUES (?)", [(i,) for i in range(1, ROOMS + 1)])
    seq = {room: 0 for room in range(1, ROOMS + 1)}
    sent = {}
    next_id, seconds, lines, pages = 1, 0.0, 0, 0
    for commit in range(commits):
        rows = []
        for _ in range(batch):
            room = random.randint(1, ROOMS)
            seq[room] += 1
            sender = (room - 1) * SENDERS_PER_ROOM + random.randint(1, SENDERS_PER_ROOM)
            sent[sender] = sent.get(sender, 0) + 1
            body = f"bench line {next_id} with some words in it, about as long as a chat line is, ok"
            rows.append((next_id, room, seq[room], sender, body, 1_700_000_000_000 + next_id,
                         f"{commit // 50}-{sender}-{sent[sender]}"))
            next_id += 1
        counted = commit >= commits - measured
        if counted:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO messages (id, room_id, seq, sender_id, body, sent_at, nonce) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        seconds += time.perf_counter() - started
        lines += batch
        if counted:
            # A log frame is a 24-byte header and a page.
            pages += os.path.getsize(path + "-wal") // (24 + 4096)
    db.close()
    return seconds / lines * 1e6, pages / measured


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
    print(f"SQLite {sqlite3.sqlite_version}, files in {directory}")
    for label, indexes, room_id_index in [
        ("primary key only", "", False),
        ("+ (room_id, seq)", SEQ, False),
        ("+ (room_id, sender_id, nonce)", SEQ + NONCE, False),
        ("+ (room_id, id), as now", SEQ + NONCE, True),
    ]:
        for batch in (216, 1200):
            micros, pages = run(directory, indexes, room_id_index, batch)
            print(f"{label:32} {batch:5} lines a commit: {micros:5.1f} us a line, {pages:7.1f} pages a commit")


if __name__ == "__main__":
    main()
