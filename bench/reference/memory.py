"""Peak resident memory of this process, shared by the reference scripts."""


def peak_rss_bytes():
    """VmHWM from /proc/self/status (Linux), else ru_maxrss."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
