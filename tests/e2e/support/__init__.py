"""Helpers of the end-to-end suite: a stand-in Cortex backend, a fault-injecting AWS proxy, and
the LocalStack hosts file."""
