/**
 * The live service-health badge: polls `/api/health` (through the frontend, so it reflects both
 * processes) every 10 s while the tab is visible, at once when it becomes visible again.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Health } from '../api.ts';

type BadgeState =
  | { readonly kind: 'checking' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'health'; readonly health: Health };

const INTERVAL_MS = 10_000;

export function describeHealth(state: BadgeState): { label: string; tone: string; detail: string } {
  if (state.kind === 'checking')
    return { label: 'Checking…', tone: 'unknown', detail: 'Checking the service' };
  if (state.kind === 'unreachable')
    return { label: 'Offline', tone: 'down', detail: 'The service cannot be reached' };
  const { health } = state;
  const checks = Object.entries(health.checks ?? {});
  const failing = checks.filter(([, c]) => c.status !== 'ok').map(([name]) => name);
  const summary = checks
    .map(
      ([name, c]) =>
        `${name}: ${c.status}${c.latencyMs !== undefined ? ` (${c.latencyMs.toFixed(1)} ms)` : ''}`,
    )
    .join(', ');
  const version = health.version ? `version ${health.version}` : '';
  if (health.status === 'healthy')
    return { label: 'Healthy', tone: 'up', detail: [version, summary].filter(Boolean).join(' · ') };
  return {
    label: health.draining ? 'Restarting' : 'Degraded',
    tone: 'degraded',
    detail:
      failing.length > 0 ? `Unavailable: ${failing.join(', ')}` : summary || 'Service unhealthy',
  };
}

export function HealthBadge() {
  const [state, setState] = useState<BadgeState>({ kind: 'checking' });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    let stopped = false;
    const check = async () => {
      clearTimeout(timer);
      controller?.abort();
      controller = new AbortController();
      const signal = controller.signal;
      const timeout = setTimeout(() => controller?.abort(), 5000);
      try {
        const health = await api.health(signal);
        setState({ kind: 'health', health });
      } catch {
        if (!stopped) setState({ kind: 'unreachable' });
      } finally {
        clearTimeout(timeout);
        if (!stopped && document.visibilityState === 'visible')
          timer = setTimeout(() => void check(), INTERVAL_MS);
      }
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void check();
    };
    void check();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, []);
  const { label, tone, detail } = describeHealth(state);
  return (
    <p
      class={`health health-${tone}`}
      role="status"
      aria-live="polite"
      title={detail}
      data-testid="health"
    >
      <span class="dot" aria-hidden="true" />
      <span>
        Service: <strong>{label}</strong>
      </span>
      <span class="visually-hidden"> — {detail}</span>
    </p>
  );
}
