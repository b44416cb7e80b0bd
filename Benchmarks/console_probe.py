"""Runs the real fps-checkout console on a pseudo-terminal and measures it as a clerk's
terminal sees it: time to the first full frame, bytes written per status update, CPU while
idle and resident memory. Prints one JSON object per measure, like fps-bench.

A pty is used rather than tmux so that every byte the console writes, and the moment it is
written, reaches this script directly, without a terminal multiplexer in between.
"""
import argparse
import fcntl
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import time

COLUMNS, ROWS = 100, 30
KEYS = {"F2": b"\x1bOQ", "F5": b"\x1b[15~", "F8": b"\x1b[19~", "F11": b"\x1b[23~", "Tab": b"\t", "Enter": b"\r"}
# The first frame ends when the console has been quiet this long after writing.
QUIET_SECONDS = 0.15


class Console:
    """One console process on a fresh pty, with a log of (time, bytes) chunks it wrote."""

    def __init__(self, binary, home, ledger, sandbox_data, pending_seconds):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        environment = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm-256color"}
        command = [binary, "--ledger", ledger, "--sandbox-data", sandbox_data, "--pending-seconds", str(pending_seconds)]
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=environment,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.chunks = []

    def read(self, seconds):
        """Collects output for `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                if not data:
                    return
                self.chunks.append((time.monotonic(), data))

    def first_frame(self, timeout=20.0):
        """Seconds from start to the last byte of the first burst that shows the SANDBOX badge."""
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            before = len(self.chunks)
            self.read(QUIET_SECONDS)
            seen = b"".join(data for _, data in self.chunks)
            if len(self.chunks) == before and b"SANDBOX" in seen:
                return self.chunks[-1][0] - self.started
        raise RuntimeError("no first frame with the SANDBOX badge within %.0f s; output began %r" % (timeout, seen[:200]))

    def send(self, *keys, pause=0.4):
        for key in keys:
            os.write(self.master, KEYS.get(key, key.encode() if isinstance(key, str) else key))
            self.read(0.05)
        self.read(pause)

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.process.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.master)


def bursts(chunks, gap):
    """Groups chunks closer than `gap` seconds into bursts of (start, bytes)."""
    groups = []
    last = None
    for moment, data in chunks:
        if groups and moment - last <= gap:
            groups[-1][1] += data
        else:
            groups.append([moment, data])
        last = moment
    return groups


# While a step runs the console redraws its spinner and elapsed time every 150 ms; those
# redraws are a few dozen bytes. A burst above this size carries a status update.
SPINNER_BYTES = 100


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--big-ledger", required=True, help="a ledger already filled with many orders")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--pending-seconds", type=int, default=4)
    parser.add_argument("--trace", help="write the output timeline of the payment here")
    arguments = parser.parse_args()

    home = tempfile.mkdtemp(prefix="fps-bench-console-")
    try:
        ledger = os.path.join(home, "ledger.sqlite")
        sandbox = os.path.join(home, "sandbox.sqlite")

        # The first start creates the sandbox's RSA key; later starts find it, as on a desk.
        console = Console(arguments.binary, home, ledger, sandbox, arguments.pending_seconds)
        fresh = console.first_frame()
        console.stop()
        starts = []
        for _ in range(arguments.starts):
            console = Console(arguments.binary, home, ledger, sandbox, arguments.pending_seconds)
            starts.append(console.first_frame())
            console.stop()
        starts.sort()
        print(json.dumps({"measure": "console_start", "first_frame_ms": starts[len(starts) // 2] * 1000,
                          "first_frame_max_ms": starts[-1] * 1000, "first_start_with_key_generation_ms": fresh * 1000,
                          "starts": len(starts)}), flush=True)

        # One payment through the keys a clerk uses, then the Pending phase with its status polls.
        console = Console(arguments.binary, home, ledger, sandbox, arguments.pending_seconds)
        console.first_frame()
        console.send(*"Bench mug", "Tab", "2", "Tab", *"4.50", "Enter")
        console.send("F2", pause=0.6)
        console.send("F8", pause=1.5)
        console.send("Enter", pause=1.0)
        console.send("F5", pause=0.5)
        marker = len(console.chunks)
        pay_pressed = time.monotonic()
        console.send("y", pause=arguments.pending_seconds + 3.0)
        timeline = console.chunks[marker:]
        if arguments.trace:
            with open(arguments.trace, "w") as trace:
                for moment, data in timeline:
                    trace.write("%8.3f %5d %r\n" % (moment - pay_pressed, len(data), data[:160]))
        groups = bursts(timeline, 0.03)
        updates = [data for _, data in groups if len(data) > SPINNER_BYTES]
        ticks = sorted(len(data) for _, data in groups if len(data) <= SPINNER_BYTES)
        final = [len(data) for data in updates if b"Succeeded" in data]
        polls = sorted(len(data) for data in updates if b"Succeeded" not in data)
        print(json.dumps({"measure": "console_updates", "updates": len(updates),
                          "update_bytes_median": polls[len(polls) // 2] if polls else 0,
                          "update_bytes_max": polls[-1] if polls else 0,
                          "final_update_bytes": final[0] if final else 0,
                          "spinner_tick_bytes": ticks[len(ticks) // 2] if ticks else 0,
                          "spinner_ticks": len(ticks), "succeeded": bool(final)}), flush=True)

        # Idle with the order, transaction and event-log panes on screen.
        marker = len(console.chunks)
        before = console.cpu_seconds()
        started = time.monotonic()
        console.read(arguments.idle_seconds)
        elapsed = time.monotonic() - started
        used = console.cpu_seconds() - before
        idle_bytes = sum(len(data) for _, data in console.chunks[marker:])
        rss_small = console.rss_kib()
        console.stop()
        print(json.dumps({"measure": "console_idle", "cpu_percent": 100.0 * used / elapsed, "seconds": elapsed,
                          "bytes_written": idle_bytes, "rss_kib_small_ledger": rss_small}), flush=True)

        # Memory and start time on the large ledger. It is copied so the run leaves it as it was.
        big = os.path.join(home, "big-ledger.sqlite")
        shutil.copyfile(arguments.big_ledger, big)
        console = Console(arguments.binary, home, big, sandbox, arguments.pending_seconds)
        first = console.first_frame()
        console.read(1.0)
        rss_big = console.rss_kib()

        # F11 opens the orders list where the console has one. Rows load in the background, so
        # the time runs from the key to the last byte written; nothing else is animating then.
        marker = len(console.chunks)
        pressed = time.monotonic()
        os.write(console.master, KEYS["F11"])
        console.read(2.0)
        shown = console.chunks[marker:]
        output = b"".join(data for _, data in shown)
        opened = b"Orders" in output and b"desk" in output
        open_ms = (shown[-1][0] - pressed) * 1000 if opened else None
        rss_list = console.rss_kib()
        console.stop()
        print(json.dumps({"measure": "console_big_ledger", "rss_kib": rss_big, "first_frame_ms": first * 1000,
                          "orders_list_opened": opened, "orders_list_ms": open_ms,
                          "rss_kib_with_list": rss_list}), flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
