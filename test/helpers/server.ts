import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'plotline-test-')), 'plotline.db');
}

export interface SpawnedServer {
  url: string;
  /** The DogStatsD UDP port it printed, or null when off. */
  statsdPort: number | null;
  process: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs the built CLI (`plotline serve`) as a real child process on a free port; resolves once it prints its URL. Its
 * DogStatsD listener takes a free UDP port too (never 8125) unless `args` name one; `statsdPort` tells which.
 */
export function spawnServer(args: string[]): Promise<SpawnedServer> {
  const statsd = args.includes('--statsd-port') ? [] : ['--statsd-port', '0'];
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...statsd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Plotline studio: (http:\/\/\S+?)\/?\s/.exec(out);
      const udp = /DogStatsD: (?:off|udp:\/\/\S+:(\d+))\s/.exec(out);
      if (m && udp) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          statsdPort: udp[1] ? Number(udp[1]) : null,
          process: child,
          output: () => out,
          kill: (signal = 'SIGTERM') => new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill(signal);
          }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  return postBody(url, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

/** POSTs raw bytes or text; the answer is parsed as JSON when it is JSON. */
export async function postBody(url: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: unknown = text;
  try { json = JSON.parse(text); } catch { /* keep the text */ }
  return { status: res.status, json };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { headers });
  return { status: res.status, json: await res.json() };
}

/** Everything a client can read about the store, to prove a rejected batch changed nothing. */
export async function storeSnapshot(url: string): Promise<unknown> {
  const list = (await getJson(`${url}/api/executions?limit=1000`)).json;
  const details = [];
  for (const e of list.executions) {
    const d = (await getJson(`${url}/api/executions/${e.id}`)).json;
    const keys = d.series.map((s: { key: string }) => `key=${encodeURIComponent(s.key)}`).join('&');
    const series = keys ? (await getJson(`${url}/api/executions/${e.id}/series?${keys}`)).json : null;
    details.push({ ...d, execution: { ...d.execution, lastSeenAt: 0 }, series });
  }
  return details;
}

/** Every stored point of one series at full resolution, through the streamed CSV export. */
export async function exportSeries(url: string, id: string, key: string, headers: Record<string, string> = {}): Promise<{ x: number[]; y: number[] }> {
  const res = await fetch(`${url}/api/executions/${encodeURIComponent(id)}/export?key=${encodeURIComponent(key)}`, { headers });
  if (!res.ok) throw new Error(`export: HTTP ${res.status} ${await res.text()}`);
  const rows = (await res.text()).trim().split('\n').slice(1);
  return { x: rows.map((r) => Number(r.split(',')[0])), y: rows.map((r) => Number(r.split(',')[1])) };
}
