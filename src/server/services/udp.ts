import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';

/** Receive buffer asked of the kernel (Linux caps it at net.core.rmem_max unless raised). */
export const UDP_RECEIVE_BUFFER = 32 * 1024 * 1024;

export interface UdpListener {
  port: number;
  /** What the kernel granted (Linux reports double the accepted value). */
  receiveBufferBytes: number;
  /** Datagrams the kernel dropped for this socket (the `drops` column of /proc/net/udp), or null where unreadable. */
  kernelDrops(): number | null;
  close(): Promise<void>;
}

/** Listens for DogStatsD datagrams on `host:port` (port 0: any free one) and hands each one's text to `onDatagram`. */
export function listenUdp(host: string, port: number, onDatagram: (text: string) => void): Promise<UdpListener> {
  const v6 = isIPv6(host);
  const socket: Socket = createSocket({ type: v6 ? 'udp6' : 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER });
  socket.on('message', (msg) => onDatagram(msg.toString('utf8')));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => console.error('plotline: DogStatsD socket error', err.message));
      try {
        socket.setRecvBufferSize(UDP_RECEIVE_BUFFER);
      } catch { /* the kernel keeps what it granted at creation */ }
      const bound = socket.address().port;
      resolve({
        port: bound,
        receiveBufferBytes: socket.getRecvBufferSize(),
        kernelDrops: () => kernelDrops(v6, bound),
        close: () => new Promise((done) => socket.close(() => done())),
      });
    });
  });
}

/** Sum of the `drops` column of the sockets bound to `port` in /proc/net/udp(6) (Linux); null elsewhere. */
function kernelDrops(v6: boolean, port: number): number | null {
  try {
    const text = readFileSync(v6 ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
    const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    let drops = 0;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !cols[1]!.endsWith(hexPort)) continue;
      drops += Number(cols[12]) || 0;
    }
    return drops;
  } catch {
    return null;
  }
}
