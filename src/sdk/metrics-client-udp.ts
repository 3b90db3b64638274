import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Largest datagram sent: fits a 1,500-byte Ethernet MTU after IP and UDP headers (Datadog's clients use the same). */
export const MAX_PACKET_BYTES = 1432;
/** Lines wait at most this long to share a datagram with later ones. */
const LINGER_MS = 50;

/** Where a metrics transport reports a failure; the client counts it and warns once. */
export type TransportError = (err: Error) => void;

/** A way to send DogStatsD lines; `send` never throws and never blocks. */
export interface MetricsTransport {
  send(line: string): void;
  /** Resolves once everything sent so far has left (UDP) or been acknowledged (HTTP). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fire-and-forget DogStatsD over UDP: lines are packed, `\n`-separated, into datagrams of at most 1,432 bytes and sent in
 * the background (a full packet at once, a partial one after 50 ms). The socket does not keep the process alive.
 */
export class UdpTransport implements MetricsTransport {
  private readonly socket: Socket;
  private packet = '';
  private packetBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private drained: Array<() => void> = [];
  private closed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly onError: TransportError) {
    this.socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    this.socket.on('error', (err) => onError(err));
    this.socket.unref();
  }

  send(line: string): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(line);
    if (this.packetBytes > 0 && this.packetBytes + 1 + bytes > MAX_PACKET_BYTES) this.sendPacket();
    this.packet = this.packetBytes > 0 ? `${this.packet}\n${line}` : line;
    this.packetBytes += (this.packetBytes > 0 ? 1 : 0) + bytes;
    if (this.packetBytes >= MAX_PACKET_BYTES) this.sendPacket();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.sendPacket(), LINGER_MS);
      this.timer.unref();
    }
  }

  private sendPacket(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.packetBytes === 0) return;
    const data = Buffer.from(this.packet);
    this.packet = '';
    this.packetBytes = 0;
    this.inFlight++;
    try {
      this.socket.send(data, this.port, this.host, (err) => {
        if (err) this.onError(err);
        if (--this.inFlight === 0) for (const d of this.drained.splice(0)) d();
      });
    } catch (err) {
      this.onError(err as Error);
      if (--this.inFlight === 0) for (const d of this.drained.splice(0)) d();
    }
  }

  flush(): Promise<void> {
    this.sendPacket();
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
