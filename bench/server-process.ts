import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface BenchServer {
  url: string;
  /** Its DogStatsD UDP port (a free one unless `args` name one), or null when off. */
  statsdPort: number | null;
  child: ChildProcess;
  rssBytes(): number;
  /** CPU seconds (user + system) the server process has used so far (Linux `/proc/<pid>/stat`, 100 ticks a second). */
  cpuSeconds(): number;
  /**
   * Milliseconds its main thread has spent on a core and waiting for one (runnable, but every core busy) so far (Linux
   * `/proc/<pid>/task/<pid>/schedstat`); over a span, wall minus both is time it had nothing to do or was blocked in I/O.
   */
  mainThreadMs(): { running: number; waiting: number };
  stop(): Promise<void>;
}

/**
 * The real `plotline serve` in its own process, as users run it. Extra Node options for it (e.g. to profile it:
 * `PLOTLINE_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`) come from that environment variable; its standard
 * output is appended to the file `PLOTLINE_BENCH_SERVER_LOG` names (e.g. for `--trace-gc`, which prints there). `cli`: another
 * build's `dist/src/cli/main.js` (a before/after comparison); `nodeOptions`: Node options instead of that variable's.
 */
export function startBenchServer(args: string[], cli = CLI, nodeOptions = process.env.PLOTLINE_BENCH_SERVER_NODE_ARGS): Promise<BenchServer> {
  const nodeArgs = (nodeOptions ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve', '--port', '0', ...(args.includes('--statsd-port') ? [] : ['--statsd-port', '0']), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const log = process.env.PLOTLINE_BENCH_SERVER_LOG;
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (log) appendFileSync(log, c);
      out += c.toString();
      const m = /Plotline studio: (http:\/\/\S+?)\/?\s/.exec(out);
      const udp = /DogStatsD: (?:off|udp:\/\/\S+:(\d+))\s/.exec(out);
      if (!m || !udp) return;
      resolve({
        url: m[1]!,
        statsdPort: udp[1] ? Number(udp[1]) : null,
        child,
        cpuSeconds: () => {
          const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
          return (Number(fields[11]) + Number(fields[12])) / 100;
        },
        mainThreadMs: () => {
          const [running, waiting] = readFileSync(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'utf8').split(' ').map(Number);
          return { running: running! / 1e6, waiting: waiting! / 1e6 };
        },
        rssBytes: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
        },
        stop: () => new Promise((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}
