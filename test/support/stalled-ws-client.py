"""A WebSocket client that sends one chat.send and then stops reading, with a tiny receive buffer.

Node cannot shrink a socket's kernel receive buffer, so on loopback megabytes vanish into it
before a server notices a client that does not read. This client sets SO_RCVBUF before
connecting, so the server's own send buffer fills after a few kilobytes, as it would behind a
slow mobile link. Usage: stalled-ws-client.py PORT TOKEN FRAME_JSON
It stops reading until a line arrives on stdin, then prints the bytes it read and the close
code it finally reads, or 'close none'.
"""
import base64, os, socket, struct, sys

port, token, frame = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
if b" 101 " not in head.split(b"\r\n")[0]:
    print("refused", head.split(b"\r\n")[0].decode()); sys.exit(1)
mask = os.urandom(4)
n = len(frame)
header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(frame)))
print("sent", flush=True)
sys.stdin.readline()  # not reading until told: the server's buffers fill

# Now read everything until the close frame (or the end of the stream).
buf = b""
total = 0
s.settimeout(20)
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        total += len(chunk)
        # Walk complete frames; report a close frame's code.
        i = 0
        while True:
            if len(buf) - i < 2: break
            b1, b2 = buf[i], buf[i + 1]
            ln, off = b2 & 0x7F, 2
            if ln == 126:
                if len(buf) - i < 4: break
                ln, off = struct.unpack(">H", buf[i + 2:i + 4])[0], 4
            elif ln == 127:
                if len(buf) - i < 10: break
                ln, off = struct.unpack(">Q", buf[i + 2:i + 10])[0], 10
            if len(buf) - i < off + ln: break
            if b1 & 0x0F == 0x8:
                code = struct.unpack(">H", buf[i + off:i + off + 2])[0] if ln >= 2 else 1005
                print("read", total, flush=True)
                print("close", code, flush=True); sys.exit(0)
            i += off + ln
        buf = buf[i:]
except socket.timeout:
    pass
print("close none", flush=True)
