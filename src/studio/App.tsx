import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ConnectionBadge } from './components/badges.js';
import { ComparePage } from './components/compare/ComparePage.js';
import { ExecutionPage } from './components/ExecutionPage.js';
import { ExecutionsPage } from './components/ExecutionsPage.js';
import { NotFound } from './components/NotFound.js';
import { OfflineBanner } from './components/OfflineBanner.js';
import { live } from './live/live.js';
import { useFollow } from './live/react.js';
import { executionIdFromPath } from './model/url-state.js';
import { Link, useLocation } from './router.js';
import { ServicePage } from './components/services/ServicePage.js';
import { ServicesPage } from './components/services/ServicesPage.js';

export function App() {
  const { pathname } = useLocation();
  const executionId = executionIdFromPath(pathname);
  const serviceMatch = /^\/services\/([^/]+)$/.exec(pathname);
  const serviceName = serviceMatch ? decodeURIComponent(serviceMatch[1]!) : null;
  const queryClient = useQueryClient();

  // The list page follows no execution, but the stream (list updates) is open on every page.
  useFollow([]);
  useEffect(() => live.onResync(() => void queryClient.invalidateQueries()), [queryClient]);

  return (
    <div className="app">
      <nav className="topbar">
        <div className="nav-left">
          <Link href="/" className="brand">
            <img src="/favicon.svg" alt="" width={20} height={20} />
            <span className="brand-name">Plotline</span>
          </Link>
          <Link href="/" className="nav-link">Executions</Link>
          <Link href="/services" className="nav-link">Services</Link>
        </div>
        <ConnectionBadge />
      </nav>
      <OfflineBanner />
      <main>
        {executionId ? (
          <ExecutionPage key={executionId} id={executionId} />
        ) : pathname === '/compare' ? (
          <ComparePage />
        ) : pathname === '/' ? (
          <ExecutionsPage />
        ) : pathname === '/services' ? (
          <ServicesPage />
        ) : serviceName !== null ? (
          <ServicePage key={serviceName} name={serviceName} />
        ) : (
          <NotFound what={`There is no page at ${pathname}.`} />
        )}
      </main>
    </div>
  );
}
