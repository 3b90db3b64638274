import { connect } from '../../sdk/index.js';
import { prediction, trainingRun, type DemoContext } from './scenarios.js';
import { startDemoService } from './service.js';

export interface DemoOptions {
  url: string;
  token: string | null;
  /** The server's DogStatsD port: the simulated service records over UDP, or over HTTP when it is null (off). */
  statsdPort?: number | null;
  random?: () => number;
}

type Scenario = (ctx: DemoContext) => Promise<void>;

/**
 * Keeps realistic executions running through the real SDK and HTTP, so the studio shows live charts at once:
 * one training run at a time, a prediction every few seconds, and an inference API service of three replicas recording
 * request metrics through `client.metrics`. Returns a stop function.
 */
export function startDemo(opts: DemoOptions): () => Promise<void> {
  const client = connect({
    url: opts.url, ...(opts.token && { token: opts.token }),
    metrics: opts.statsdPort ? { statsdPort: opts.statsdPort } : { transport: 'http' },
  });
  const random = opts.random ?? Math.random;
  let stopping = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (stopping) return resolve();
    const done = () => {
      clearTimeout(timer);
      wakers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wakers.add(done);
  });
  const ctx: DemoContext = { sleep, stopping: () => stopping, random };

  async function runOne(name: string, labels: Record<string, string>, scenario: Scenario): Promise<void> {
    const execution = client.startExecution(name, { labels });
    try {
      await execution.run(() => scenario(ctx));
      if (stopping) await execution.end('cancelled');
      else await execution.end(random() < 0.08 ? 'cancelled' : 'succeeded');
    } catch (err) {
      await execution.end('failed', { error: (err as Error).message });
    }
  }

  async function loop(next: () => [string, Record<string, string>, Scenario], pauseMs: () => number): Promise<void> {
    while (!stopping) {
      const [name, labels, scenario] = next();
      await runOne(name, labels, scenario).catch((err: unknown) => console.warn('plotline demo:', err));
      await sleep(pauseMs());
    }
  }

  const models = ['resnet50', 'vit-b16', 'efficientnet-b0'];
  const loops = [
    loop(() => {
      const model = models[Math.floor(random() * models.length)]!;
      return [`train-${model}`, { model, dataset: 'imagenet-1k', lr: '0.001', kind: 'training' }, trainingRun];
    }, () => 2_000),
    loop(() => ['predict-llama-3-8b', { version: 'a1b2c3', kind: 'prediction' }, prediction], () => 1_500 + random() * 3_000),
  ];

  const stopService = startDemoService(client.metrics, random);

  return async () => {
    stopping = true;
    stopService();
    for (const wake of [...wakers]) wake();
    await Promise.allSettled(loops);
    await client.close();
  };
}
