// A small WebSocket (RFC 6455) implementation for the browser door: the opening handshake's
// accept key, and a connection over a socket that speaks text messages. Enough for the lab's
// JSON messages: text and binary frames, fragmentation, ping/pong, close; no extensions
// (no permessage-deflate), no subprotocols. Server role: frames from the client must be masked.
// Client role (tests): frames are masked, frames from the server must not be.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

const handshakeGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + handshakeGuid).digest('base64');
}

/** Whether a Sec-WebSocket-Key is well formed: the base64 text of 16 bytes. */
export function validClientKey(key: string | undefined): key is string {
  return typeof key === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(key);
}

export const opcodes = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes used here (RFC 6455 section 7.4.1). */
export const closeCodes = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidData: 1007,
  policy: 1008,
  tooBig: 1009,
  internalError: 1011,
} as const;

/** One frame, encoded; `mask` for frames a client sends. */
export function encodeFrame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const fin = options.fin ?? true;
  const mask = options.mask ?? false;
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length <= 0xffff ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
  header[1] = (mask ? 0x80 : 0) | (length < 126 ? length : length <= 0xffff ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  else if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([header, masked]);
}

export interface WebSocketOptions {
  /** 'server': the peer is a browser (its frames are masked); 'client': the peer is a server. */
  role: 'server' | 'client';
  /** Largest message accepted, in bytes (default 4 MiB); a larger one closes with 1009. */
  maxMessageBytes?: number;
}

class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An open WebSocket over `socket` (after the handshake). Emits 'message' (text: string, or
 * binary: Buffer), 'close' (code, reason) once, and 'error' is never emitted: a broken peer or
 * socket just closes the connection.
 */
export class WebSocketConnection extends EventEmitter<{
  message: [data: string | Buffer];
  close: [code: number, reason: string];
  pong: [];
}> {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = -1;
  private closeSent = false;
  private closed = false;
  private readonly maxMessageBytes: number;
  private readonly role: 'server' | 'client';

  constructor(
    private readonly socket: Duplex,
    head: Buffer | null,
    options: WebSocketOptions,
  ) {
    super();
    this.role = options.role;
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.finish(closeCodes.goingAway, 'socket error'));
    socket.on('close', () => this.finish(1006, 'connection lost'));
    socket.on('end', () => this.finish(1006, 'connection ended'));
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    if (head && head.length) queueMicrotask(() => this.receive(head));
  }

  /** Whether messages can still be sent. */
  get open(): boolean {
    return !this.closed && !this.closeSent;
  }

  /** Bytes queued on the socket and not yet written (to spot a peer that does not read). */
  get bufferedBytes(): number {
    return (this.socket as Duplex & { writableLength?: number }).writableLength ?? 0;
  }

  /** Sends a text message; ignored once the connection is closing. */
  send(text: string): void {
    if (!this.open) return;
    this.socket.write(encodeFrame(opcodes.text, Buffer.from(text, 'utf8'), { mask: this.role === 'client' }));
  }

  ping(): void {
    if (!this.open) return;
    this.socket.write(encodeFrame(opcodes.ping, Buffer.alloc(0), { mask: this.role === 'client' }));
  }

  /** Starts the closing handshake; the socket ends when the peer answers (or after 2 s). */
  close(code: number = closeCodes.normal, reason = ''): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2, 'utf8');
    this.socket.write(encodeFrame(opcodes.close, body.subarray(0, 125), { mask: this.role === 'client' }));
    const timer = setTimeout(() => this.terminate(code, reason), 2000);
    timer.unref?.();
    this.once('close', () => clearTimeout(timer));
  }

  /** Drops the connection at once. */
  terminate(code = 1006, reason = 'terminated'): void {
    this.socket.destroy();
    this.finish(code, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = Buffer.alloc(0);
    this.fragments = [];
    this.emit('close', code, reason);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      while (!this.closed && this.readFrame());
    } catch (err) {
      if (err instanceof ProtocolError) this.fail(err.code, err.message);
      else this.fail(closeCodes.internalError, 'internal error');
    }
  }

  private fail(code: number, reason: string): void {
    if (!this.closeSent && !this.closed) {
      this.closeSent = true;
      const body = Buffer.alloc(2 + Buffer.byteLength(reason));
      body.writeUInt16BE(code, 0);
      body.write(reason, 2, 'utf8');
      this.socket.end(encodeFrame(opcodes.close, body.subarray(0, 125), { mask: this.role === 'client' }));
    }
    // Let the close frame go out, then drop the socket whatever the peer does.
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 500).unref?.();
    this.finish(code, reason);
  }

  /** Reads one frame from the buffer; false when it is not complete yet. */
  private readFrame(): boolean {
    const b = this.buffer;
    if (b.length < 2) return false;
    const fin = (b[0] & 0x80) !== 0;
    if (b[0] & 0x70) throw new ProtocolError(closeCodes.protocolError, 'reserved bits set (no extensions were agreed)');
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    if (this.role === 'server' && !masked) throw new ProtocolError(closeCodes.protocolError, 'client frames must be masked');
    if (this.role === 'client' && masked) throw new ProtocolError(closeCodes.protocolError, 'server frames must not be masked');
    let length = b[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return false;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return false;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessageBytes)) throw new ProtocolError(closeCodes.tooBig, 'message too big');
      length = Number(big);
      offset = 10;
    }
    const control = opcode >= 0x8;
    if (control && (length > 125 || !fin)) throw new ProtocolError(closeCodes.protocolError, 'bad control frame');
    if (!control && this.fragmentBytes + length > this.maxMessageBytes) throw new ProtocolError(closeCodes.tooBig, 'message too big');
    const maskOffset = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return false;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (masked) for (let i = 0; i < length; i++) payload[i] ^= b[maskOffset + (i & 3)];
    this.buffer = b.subarray(offset + length);

    switch (opcode) {
      case opcodes.ping:
        if (!this.closeSent) this.socket.write(encodeFrame(opcodes.pong, payload, { mask: this.role === 'client' }));
        return true;
      case opcodes.pong:
        this.emit('pong');
        return true;
      case opcodes.close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
        if (!this.closeSent) {
          this.closeSent = true;
          const answer = payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0);
          this.socket.end(encodeFrame(opcodes.close, answer, { mask: this.role === 'client' }));
        } else {
          this.socket.end();
        }
        this.finish(code, reason);
        return false;
      }
      case opcodes.text:
      case opcodes.binary:
        if (this.fragmentOpcode !== -1) throw new ProtocolError(closeCodes.protocolError, 'new message inside a fragmented one');
        if (fin) {
          this.deliver(opcode, payload);
        } else {
          this.fragmentOpcode = opcode;
          this.fragments = [payload];
          this.fragmentBytes = payload.length;
        }
        return true;
      case opcodes.continuation:
        if (this.fragmentOpcode === -1) throw new ProtocolError(closeCodes.protocolError, 'continuation without a message');
        this.fragments.push(payload);
        this.fragmentBytes += payload.length;
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          const kind = this.fragmentOpcode;
          this.fragments = [];
          this.fragmentBytes = 0;
          this.fragmentOpcode = -1;
          this.deliver(kind, whole);
        }
        return true;
      default:
        throw new ProtocolError(closeCodes.protocolError, `unknown opcode ${opcode}`);
    }
  }

  private deliver(opcode: number, payload: Buffer): void {
    if (opcode === opcodes.binary) {
      this.emit('message', payload);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      throw new ProtocolError(closeCodes.invalidData, 'text message is not valid UTF-8');
    }
    this.emit('message', text);
  }
}
