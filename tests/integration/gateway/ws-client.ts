// A minimal WebSocket client for tests (Node 20 has no global WebSocket): handshake over node:http, masked text
// frames out, server frames parsed in.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";

export type WsClient = {
  headers: http.IncomingHttpHeaders;
  send(text: string): void;
  /** The next text message. */
  next(): Promise<string>;
  close(): void;
};

function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (len < 126) head[1] = 0x80 | len;
  else if (len < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

/** Opens a WebSocket to `url`; rejects with the HTTP status when the server does not upgrade. */
export function openWebSocket(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const u = new URL(url);
  const key = randomBytes(16).toString("base64");
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13", ...headers },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      reject(new Error(`no upgrade: HTTP ${res.statusCode}`));
    });
    req.on("upgrade", (res, socket: Duplex, head: Buffer) => {
      const expected = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      if (res.headers["sec-websocket-accept"] !== expected) return reject(new Error("bad Sec-WebSocket-Accept"));
      const messages: string[] = [];
      const waiters: { resolve: (m: string) => void; reject: (e: Error) => void }[] = [];
      let buf = Buffer.from(head);
      let closed = false;
      const parse = () => {
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1]! & 0x7f;
          let offset = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            offset = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            offset = 10;
          }
          if (buf.length < offset + len) return;
          const opcode = buf[0]! & 0x0f;
          const payload = buf.subarray(offset, offset + len).toString("utf8");
          buf = buf.subarray(offset + len);
          if (opcode === 0x1 || opcode === 0x2) {
            const w = waiters.shift();
            if (w) w.resolve(payload);
            else messages.push(payload);
          }
        }
      };
      socket.on("data", (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        parse();
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        closed = true;
        for (const w of waiters.splice(0)) w.reject(new Error("socket closed"));
      });
      parse();
      resolve({
        headers: res.headers,
        send: (text) => socket.write(maskedFrame(0x1, Buffer.from(text))),
        next: () => {
          const m = messages.shift();
          if (m !== undefined) return Promise.resolve(m);
          if (closed) return Promise.reject(new Error("socket closed"));
          return new Promise((res2, rej) => waiters.push({ resolve: res2, reject: rej }));
        },
        close: () => {
          socket.write(maskedFrame(0x8, Buffer.from([0x03, 0xe8])));
          socket.end();
        },
      });
    });
    req.end();
  });
}
