"""The reference for bench/reminders.py: a plain smtplib sender, nothing else.

    .venv/bin/python bench/smtp_reference.py PORT COUNT MESSAGE_FILE

Sends COUNT copies of the message in MESSAGE_FILE (bytes of a real reminder, .ics included;
the placeholder ``@@to@@`` in it is replaced by each copy's recipient) over ONE SMTP
connection to 127.0.0.1:PORT, as fast as the server answers, and prints the seconds it took.
No Django, no database, no broker: the ceiling a reminder sender can reach on this machine
against the same SMTP sink.
"""

from __future__ import annotations

import smtplib
import sys
import time
from pathlib import Path


def main() -> int:
    port, count, path = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    template = path.read_bytes()
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for i in range(count):
            to = f"reference-{i}@bench.test"
            smtp.sendmail(
                "community@betacowork.test", [to], template.replace(b"@@to@@", to.encode())
            )
    print(f"{time.monotonic() - started:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
