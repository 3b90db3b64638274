import type { DiscardedCounts, MetricDef } from '../../protocol/index.js';
import { discardedLines } from '../model/discarded.js';

/** The values an execution's SDK recorded but did not send (throttled, refused for their x), per metric; nothing when none. */
export function DiscardedNote({ discarded, definitions }: { discarded: Record<string, DiscardedCounts> | undefined; definitions?: readonly MetricDef[] }) {
  const lines = discardedLines(discarded, definitions);
  if (lines.length === 0) return null;
  return (
    <section className="discarded-note" aria-label="Not recorded">
      <h2>Not recorded</h2>
      <ul>
        {lines.map((l) => (
          <li key={l.key}><span className="mono">{l.key}</span>: {l.text}</li>
        ))}
      </ul>
    </section>
  );
}
