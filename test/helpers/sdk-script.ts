import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = fileURLToPath(new URL('../../dist/src/sdk/index.js', import.meta.url));

export interface ScriptRun {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed), the signal, stderr and the run time. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>;
  /** Resolves with the first stderr line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/**
 * Runs a script against the built SDK in its own Node process, as a user's program would run: `connect`, `Metric` and
 * `recordMetric` are imported, and `client` is `connect(clientOptions)`. Its spool directory is `spoolDir` (env
 * PLOTLINE_SPOOL_DIR), so tests never share one.
 */
export function runSdkScript(body: string, opts: { url: string; spoolDir?: string; clientOptions?: string }): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-script-'));
  const file = join(dir, 'script.mjs');
  const options = opts.clientOptions ?? `{ url: ${JSON.stringify(opts.url)} }`;
  writeFileSync(file, `import { connect, Metric, recordMetric } from ${JSON.stringify(SDK)};\nconst client = connect(${options});\n${body}\n`);
  const t0 = performance.now();
  const env = { ...process.env, PLOTLINE_SPOOL_DIR: opts.spoolDir ?? mkdtempSync(join(tmpdir(), 'plotline-spool-')) };
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, ms: performance.now() - t0 }));
  });
  const waitFor = (pattern: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(stderr);
      if (!m) return;
      listeners.delete(check);
      resolve(m);
    };
    listeners.add(check);
    check();
    void exited.then(() => {
      if (listeners.delete(check)) reject(new Error(`script exited without printing ${pattern}:\n${stderr}`));
    });
  });
  return { child, exited, waitFor };
}
