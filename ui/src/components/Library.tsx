/**
 * The knowledge library: search box, disease and tag filters (from the dashboard stats), the
 * newest-first list with "Load more" paging. Filters live in the URL, so a search can be
 * bookmarked, shared and restored with Back.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  formatBytes,
  formatDate,
  type KnowledgeDocument,
  type KnowledgePage,
} from '../api.ts';
import { asApiError, useAsync } from '../hooks.ts';
import { navigate } from '../router.ts';
import { Link } from './Link.tsx';
import { PageHeading } from './PageHeading.tsx';
import { ErrorMessage, Loading } from './States.tsx';
import type { ApiError } from '../api.ts';

const PAGE = 20;

interface Filters {
  readonly q: string;
  readonly disease: string;
  readonly tag: string;
}

function filtersFrom(params: URLSearchParams): Filters {
  return {
    q: params.get('q') ?? '',
    disease: params.get('disease') ?? '',
    tag: params.get('tag') ?? '',
  };
}

function hrefFor(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.q.trim() !== '') params.set('q', filters.q.trim());
  if (filters.disease !== '') params.set('disease', filters.disease);
  if (filters.tag !== '') params.set('tag', filters.tag);
  const s = params.toString();
  return s === '' ? '/' : `/?${s}`;
}

/**
 * A search scans a bounded slice of the library per request and may return a short (even empty)
 * page with a cursor: follow it a few times so the first screen is not misleadingly empty.
 */
async function fillPage(filters: Filters, signal: AbortSignal): Promise<KnowledgePage> {
  let page = await api.list({ ...filters, limit: PAGE }, signal);
  const items = [...page.items];
  for (let round = 0; round < 4 && items.length < PAGE && page.nextBefore !== null; round += 1) {
    page = await api.list(
      { ...filters, before: page.nextBefore, limit: PAGE - items.length },
      signal,
    );
    items.push(...page.items);
  }
  return { items, nextBefore: page.nextBefore };
}

export function Library(props: { params: URLSearchParams; notice?: string | undefined }) {
  const filters = filtersFrom(props.params);
  const [draft, setDraft] = useState(filters.q);
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => setDraft(filters.q), [filters.q]);

  const [stats] = useAsync((signal) => api.stats(signal), []);
  const [page, reload] = useAsync(
    (signal) => fillPage({ q: filters.q, disease: filters.disease, tag: filters.tag }, signal),
    [filters.q, filters.disease, filters.tag],
  );
  const [more, setMore] = useState<KnowledgeDocument[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  useEffect(() => {
    setMore([]);
    setMoreError(null);
    setCursor(page.status === 'ready' ? page.value.nextBefore : null);
  }, [page]);

  // "/" focuses the search box, as on most sites with search.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      event.preventDefault();
      searchRef.current?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const apply = (next: Partial<Filters>) => navigate(hrefFor({ ...filters, ...next }));

  const loadMore = async () => {
    if (cursor === null) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await api.list({ ...filters, before: cursor, limit: PAGE });
      setMore((items) => [...items, ...next.items]);
      setCursor(next.nextBefore);
    } catch (error) {
      setMoreError(asApiError(error));
    } finally {
      setLoadingMore(false);
    }
  };

  const diseases = stats.status === 'ready' ? stats.value.byDisease : [];
  const tags = stats.status === 'ready' ? stats.value.byTag : [];
  const filtered = filters.q !== '' || filters.disease !== '' || filters.tag !== '';
  const items = page.status === 'ready' ? [...page.value.items, ...more] : [];

  return (
    <section aria-labelledby="library-title">
      <div class="page-head">
        <PageHeading id="library-title">Knowledge library</PageHeading>
        {stats.status === 'ready' && (
          <p class="muted">
            {stats.value.totalDocuments} document{stats.value.totalDocuments === 1 ? '' : 's'} ·{' '}
            {formatBytes(stats.value.totalBytes)}
          </p>
        )}
      </div>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          apply({ q: draft });
        }}
      >
        <div class="field grow">
          <label for="search">Search</label>
          <input
            id="search"
            ref={searchRef}
            type="search"
            name="q"
            value={draft}
            placeholder="Title, disease, tag or file name"
            autoComplete="off"
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="disease-filter">Disease</label>
          <select
            id="disease-filter"
            value={filters.disease}
            onChange={(event) => apply({ q: draft, disease: event.currentTarget.value })}
          >
            <option value="">All diseases</option>
            {filters.disease !== '' && !diseases.some((d) => d.disease === filters.disease) && (
              <option value={filters.disease}>{filters.disease}</option>
            )}
            {diseases.map((d) => (
              <option key={d.disease} value={d.disease}>
                {d.disease} ({d.count})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tag-filter">Tag</label>
          <select
            id="tag-filter"
            value={filters.tag}
            onChange={(event) => apply({ q: draft, tag: event.currentTarget.value })}
          >
            <option value="">All tags</option>
            {filters.tag !== '' && !tags.some((t) => t.tag === filters.tag) && (
              <option value={filters.tag}>{filters.tag}</option>
            )}
            {tags.map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.count})
              </option>
            ))}
          </select>
        </div>
        <div class="actions">
          <button type="submit">Search</button>
          {filtered && (
            <button type="button" class="secondary" onClick={() => navigate('/')}>
              Clear
            </button>
          )}
        </div>
      </form>

      {page.status === 'loading' && <Loading label="Loading documents…" />}
      {page.status === 'error' && (
        <ErrorMessage title="Could not load the library." error={page.error} onRetry={reload} />
      )}
      {page.status === 'ready' && items.length === 0 && (
        <div class="empty">
          {filtered ? (
            <p>No document matches these filters.</p>
          ) : (
            <p>
              The library is empty. <Link href="/upload">Upload the first document</Link>.
            </p>
          )}
        </div>
      )}
      {items.length > 0 && (
        <ul class="documents" aria-label="Documents">
          {items.map((doc) => (
            <li key={doc.id} class="card">
              <h2>
                <Link href={`/documents/${encodeURIComponent(doc.id)}`}>{doc.title}</Link>
              </h2>
              <p class="meta">
                {doc.disease && <span class="pill disease">{doc.disease}</span>}
                {doc.tags.map((tag) => (
                  <span key={tag} class="pill">
                    #{tag}
                  </span>
                ))}
              </p>
              <p class="muted small">
                {doc.fileName} · {formatBytes(doc.size)} ·{' '}
                <time dateTime={doc.createdAt}>{formatDate(doc.createdAt)}</time>
              </p>
            </li>
          ))}
        </ul>
      )}
      {moreError && (
        <ErrorMessage
          title="Could not load more."
          error={moreError}
          onRetry={() => void loadMore()}
        />
      )}
      {page.status === 'ready' && cursor !== null && (
        <div class="more">
          <button
            type="button"
            class="secondary"
            disabled={loadingMore}
            onClick={() => void loadMore()}
          >
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}
