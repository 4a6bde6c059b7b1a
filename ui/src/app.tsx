import { useEffect, useState } from 'preact/hooks';
import { DocumentView } from './components/DocumentView.tsx';
import { HealthBadge } from './components/HealthBadge.tsx';
import { Library } from './components/Library.tsx';
import { Link } from './components/Link.tsx';
import { PageHeading } from './components/PageHeading.tsx';
import { UploadForm } from './components/UploadForm.tsx';
import { useRoute, type Route } from './router.ts';

function titleOf(route: Route): string {
  switch (route.name) {
    case 'library':
      return 'Knowledge library';
    case 'upload':
      return 'Upload a document';
    case 'document':
      return 'Document';
    case 'not-found':
      return 'Page not found';
  }
}

export function App() {
  const route = useRoute();
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    const onNotice = (event: Event) => setNotice(String((event as CustomEvent<string>).detail));
    addEventListener('elevendops:notice', onNotice);
    return () => removeEventListener('elevendops:notice', onNotice);
  }, []);

  useEffect(() => {
    document.title = `ElevenDops · ${titleOf(route)}`;
    if (route.name !== 'library') setNotice(undefined);
  }, [route]);

  const current = (name: Route['name']) => (route.name === name ? ('page' as const) : undefined);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="wrap top-inner">
          <Link href="/" class="brand">
            <span class="logo" aria-hidden="true">
              +
            </span>
            ElevenDops <span class="muted">Knowledge</span>
          </Link>
          <nav aria-label="Main">
            <Link href="/" aria-current={current('library')}>
              Library
            </Link>
            <Link href="/upload" class="button" aria-current={current('upload')}>
              Upload
            </Link>
          </nav>
          <HealthBadge />
        </div>
      </header>
      <main id="main" tabIndex={-1} class="wrap">
        {route.name === 'library' && <Library params={route.params} notice={notice} />}
        {route.name === 'upload' && <UploadForm />}
        {route.name === 'document' && <DocumentView id={route.id} />}
        {route.name === 'not-found' && (
          <section>
            <PageHeading>Page not found</PageHeading>
            <p>
              Nothing lives at <code>{route.path}</code>. <Link href="/">Go to the library</Link>
            </p>
          </section>
        )}
      </main>
    </>
  );
}
