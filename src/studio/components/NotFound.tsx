import { useEffect } from 'react';
import { Link } from '../router.js';

/** An unknown execution id or an unknown path: says so, with the way back to the list. */
export function NotFound({ what }: { what: string }) {
  useEffect(() => {
    document.title = 'Not found · Plotline';
  }, []);
  return (
    <div className="page not-found">
      <h1>Not found</h1>
      <p className="muted">{what}</p>
      <p>
        <Link href="/">← Back to all executions</Link>
      </p>
    </div>
  );
}
