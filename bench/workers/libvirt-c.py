"""The libvirt bench's baseline: libvirt's own C client library, through python3-libvirt.

Runs as a service for bench/cases/libvirt.ts: reads one JSON command per line on stdin,
answers one JSON line on stdout, until stdin closes. Every figure is timed here, inside
the process, so Python's start-up is never counted. The calls are the ones the library
makes for the same job: `libvirt_qemu.qemuAgentCommand` with the same commands, file
chunks and exec poll schedule (first poll at once, then 1 ms doubling to 100 ms).

    python3 bench/workers/libvirt-c.py DOMAIN [URI]
"""
import base64
import json
import sys
import time

import libvirt
import libvirt_qemu

DOMAIN = sys.argv[1]
URI = sys.argv[2] if len(sys.argv) > 2 else 'qemu:///system'

# Errors go to stderr, not to the terminal (libvirt's default handler prints them).
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

conn = libvirt.open(URI)
dom = conn.lookupByName(DOMAIN)


def agent(command, arguments=None, timeout=30):
    request = {'execute': command}
    if arguments is not None:
        request['arguments'] = arguments
    reply = libvirt_qemu.qemuAgentCommand(dom, json.dumps(request, separators=(',', ':')), timeout, 0)
    return json.loads(reply)['return']


def ping(count, warmup):
    for _ in range(warmup):
        agent('guest-ping', timeout=5)
    start = time.perf_counter()
    for _ in range(count):
        agent('guest-ping', timeout=5)
    return {'rate': count / (time.perf_counter() - start)}


def exec_true(count, warmup):
    def run():
        pid = agent('guest-exec', {'path': '/bin/true', 'capture-output': True})['pid']
        pause = 0.001
        while True:
            status = agent('guest-exec-status', {'pid': pid})
            if status['exited']:
                base64.b64decode(status.get('out-data', ''))
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    for _ in range(warmup):
        run()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {'p50': times[len(times) // 2]}


def read_file(path, chunk):
    start = time.perf_counter()
    handle = agent('guest-file-open', {'path': path, 'mode': 'r'})
    parts = []
    while True:
        reply = agent('guest-file-read', {'handle': handle, 'count': chunk})
        parts.append(base64.b64decode(reply['buf-b64']))
        if reply['eof']:
            break
    agent('guest-file-close', {'handle': handle})
    ms = (time.perf_counter() - start) * 1000
    return {'ms': ms, 'bytes': sum(len(p) for p in parts)}


def write_file(path, size, chunk):
    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    start = time.perf_counter()
    handle = agent('guest-file-open', {'path': path, 'mode': 'w'})
    for offset in range(0, size, chunk):
        agent('guest-file-write', {'handle': handle, 'buf-b64': base64.b64encode(data[offset:offset + chunk]).decode()})
    agent('guest-file-close', {'handle': handle})
    return {'ms': (time.perf_counter() - start) * 1000}


def connect(count):
    """open (auth inside), lookup, first ping, close: what a short-lived tool pays."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        c = libvirt.open(URI)
        d = c.lookupByName(DOMAIN)
        libvirt_qemu.qemuAgentCommand(d, '{"execute":"guest-ping"}', 5, 0)
        times.append((time.perf_counter() - start) * 1000)
        c.close()
    times.sort()
    return {'p50': times[len(times) // 2]}


OPS = {'ping': ping, 'exec': exec_true, 'read': read_file, 'write': write_file, 'connect': connect}

print(json.dumps({'ready': True, 'libvirt': conn.getLibVersion()}), flush=True)
for line in sys.stdin:
    if not line.strip():
        continue
    command = json.loads(line)
    op = command.pop('op')
    try:
        result = OPS[op](**command)
    except libvirt.libvirtError as error:
        result = {'error': str(error)}
    print(json.dumps(result), flush=True)
conn.close()
