import { Metric, MetricGroup, MetricScale, progress, recordMetric } from '../../sdk/index.js';

/** Waits `ms`, or less when the demo is stopping. */
export type Sleep = (ms: number) => Promise<void>;
export interface DemoContext {
  sleep: Sleep;
  stopping: () => boolean;
  random: () => number;
}

export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const epochs = new MetricGroup('training', { units: 'epoch' });
const lossScale = new MetricScale({ name: 'loss', units: 'loss' });
const trainLoss = new Metric('train_loss', { group: epochs, scale: lossScale });
const valLoss = new Metric('val_loss', { group: epochs, scale: lossScale });
const accuracy = new Metric('val_accuracy', { group: epochs, scale: new MetricScale({ units: '%', lower: 0, upper: 100 }) });
const steps = new MetricGroup('steps', { units: 'step' });
const stepLoss = new Metric('step_loss', { group: steps, scale: new MetricScale({ name: 'loss', units: 'loss' }), throttle: null });
const learningRate = new Metric('learning_rate', { group: steps, scale: new MetricScale({ units: 'lr' }), throttle: null });
const gpuMemory = new Metric('gpu_memory', { group: 'system', scale: new MetricScale({ name: 'memory', units: 'GiB', lower: 0, upper: 24 }) });
const gpuUtil = new Metric('gpu_util', { group: 'system', scale: new MetricScale({ units: '%', lower: 0, upper: 100 }) });

/** A training run: loss and accuracy per epoch, per-step loss and learning rate, GPU gauges and a progress bar over batches. */
export async function trainingRun(ctx: DemoContext): Promise<void> {
  const totalEpochs = 12;
  const batchesPerEpoch = 40;
  const diverges = ctx.random() < 0.15;
  let step = 0;
  for (let epoch = 1; epoch <= totalEpochs && !ctx.stopping(); epoch++) {
    const batches = Array.from({ length: batchesPerEpoch }, (_, i) => i);
    for (const _ of progress(batches, { key: 'epoch_progress', group: 'progress' })) {
      if (ctx.stopping()) break;
      step++;
      const base = 2.3 * Math.exp(-step / 180) + 0.15;
      const spike = diverges && epoch > 7 ? Math.exp((step - 7 * batchesPerEpoch) / 15) : 0;
      const value = spike > 1e6 ? NaN : base + spike + 0.08 * gaussian(ctx.random);
      stepLoss.record(value, { at: step });
      learningRate.record(0.001 * 0.5 * (1 + Math.cos((Math.PI * step) / (totalEpochs * batchesPerEpoch))), { at: step });
      gpuMemory.record(17.5 + 1.5 * ctx.random());
      gpuUtil.record(88 + 10 * ctx.random());
      if (Number.isNaN(value)) throw new Error(`loss diverged to NaN at step ${step}`);
      await ctx.sleep(150);
    }
    const loss = 2.3 * Math.exp(-step / 180) + 0.15;
    trainLoss.record(loss + 0.03 * gaussian(ctx.random), { at: epoch });
    valLoss.record(loss * 1.12 + 0.05 * gaussian(ctx.random), { at: epoch });
    accuracy.record(Math.min(99, 100 * (1 - Math.exp(-epoch / 3.5)) * 0.93 + 2 * gaussian(ctx.random)), { at: epoch });
  }
}

const tokensGroup = new MetricGroup('generation', { units: 'token' });
const logprob = new Metric('token_logprob', { group: tokensGroup, scale: new MetricScale({ units: 'logprob', upper: 0 }), throttle: null });

/** A Cog-style prediction: summary metrics (replace, incr, append, nested timing) and a per-token series. */
export async function prediction(ctx: DemoContext): Promise<void> {
  const started = performance.now();
  recordMetric('temperature', 0.7);
  recordMetric('max_tokens', 256);
  recordMetric('model', 'llama-3-8b');
  recordMetric('input_tokens', 12 + Math.floor(ctx.random() * 60));
  recordMetric('stages', 'preprocess', 'append');
  await ctx.sleep(150 + ctx.random() * 200);
  recordMetric('timing.preprocess', (performance.now() - started) / 1000);
  recordMetric('stages', 'inference', 'append');
  const inferenceStart = performance.now();
  const tokens = 40 + Math.floor(ctx.random() * 160);
  for (let i = 1; i <= tokens && !ctx.stopping(); i++) {
    recordMetric('output_tokens', 1, 'incr');
    logprob.record(-Math.abs(0.6 * gaussian(ctx.random)), { at: i });
    await ctx.sleep(20 + ctx.random() * 25);
    if (i === 30 && ctx.random() < 0.1) throw new Error('CUDA out of memory while generating token 30');
  }
  recordMetric('timing.inference', (performance.now() - inferenceStart) / 1000);
  recordMetric('stages', 'postprocess', 'append');
  recordMetric('confidence', Math.round((0.7 + 0.29 * ctx.random()) * 1000) / 1000);
  recordMetric('timing.postprocess', 0.01 + 0.02 * ctx.random());
}
