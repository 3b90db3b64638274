const TS_SNIPPET = `import { connect, Metric, MetricGroup } from 'plotline';

const client = connect(); // PLOTLINE_URL or http://127.0.0.1:7777
const loss = new Metric('loss', { group: new MetricGroup('training', { units: 'step' }) });

await client.withExecution('my first run', async () => {
  for (let step = 1; step <= 100; step++) loss.record(1 / step, { at: step });
});`;

function curlSnippet(origin: string): string {
  return `curl -X POST ${origin}/api/ingest \\
  -H 'content-type: application/json' \\
  -d '{"executions":[{"id":"hello-1","start":{"name":"hello"},
       "points":[{"key":"loss","x":[1,2,3],"y":[0.9,0.5,0.3]}],
       "end":{"status":"succeeded"}}]}'`;
}

/** An empty store: how to send a first metric. */
export function EmptyState() {
  return (
    <div className="page empty-state">
      <h1>No executions yet</h1>
      <p>Record a metric from your code and it shows up here the moment it arrives — this page updates by itself.</p>
      <h2>TypeScript SDK</h2>
      <pre className="code">{TS_SNIPPET}</pre>
      <h2>HTTP</h2>
      <pre className="code">{curlSnippet(window.location.origin)}</pre>
    </div>
  );
}
