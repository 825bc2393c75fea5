"""A dependency that takes 30 s to import."""

import time

time.sleep(30)
