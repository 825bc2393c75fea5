"""Hostile: importing it starts a thread (not a daemon) that sleeps for 120 s: Python would wait for it at exit."""

import threading
import time

from tiny_value import Value  # noqa: F401 - the doctor's target

threading.Thread(target=time.sleep, args=(120,)).start()
