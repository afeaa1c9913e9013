"""Writer process for the concurrency and kill tests.

usage: python _writer.py DB ANNOTATOR N SYNCHRONOUS
Adds N entries and prints "i" on stdout (flushed) after entry i's add() has returned, i.e.
once it is committed: the parent knows exactly which entries were acknowledged.
"""

import sys

from feedback_lab.annotations._store import AnnotationStore

db, annotator, n, sync = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = AnnotationStore(db, synchronous=sync)
print("ready", flush=True)
for i in range(n):
    store.add(trace_id=f"t{i}", name="verdict", label="pass" if i % 2 else "fail",
              comment="x" * (i % 50), annotator=annotator, metadata={"i": i})
    print(i, flush=True)
