/**
 * A tiny history-API router: three routes do not need a library. The frontend server answers
 * every extension-less path with the app shell, so deep links and reloads work.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly name: 'library'; readonly params: URLSearchParams }
  | { readonly name: 'upload' }
  | { readonly name: 'document'; readonly id: string }
  | { readonly name: 'not-found'; readonly path: string };

export function parseRoute(pathname: string, search: string): Route {
  if (pathname === '/' || pathname === '')
    return { name: 'library', params: new URLSearchParams(search) };
  if (pathname === '/upload') return { name: 'upload' };
  const match = /^\/documents\/([^/]+)$/.exec(pathname);
  if (match) return { name: 'document', id: decodeURIComponent(match[1]!) };
  return { name: 'not-found', path: pathname };
}

const listeners = new Set<() => void>();

/**
 * Set by client-side navigation: the next page heading to mount takes focus (see
 * `PageHeading`), as a full page load would put the reader at the top of the new content.
 */
let focusPending = false;

export function takeFocusRequest(): boolean {
  const pending = focusPending;
  focusPending = false;
  return pending;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  focusPending = true;
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    const onPop = () => {
      focusPending = true;
      update();
    };
    listeners.add(update);
    addEventListener('popstate', onPop);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', onPop);
    };
  }, []);
  return route;
}

/** Same-origin link clicks go through the router; modified clicks keep the browser's meaning. */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.currentTarget as HTMLElement).closest('a');
  if (!anchor || anchor.target === '_blank' || anchor.origin !== location.origin) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
