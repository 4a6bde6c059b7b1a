/**
 * One document: its metadata, its content rendered safely (markdown through marked + DOMPurify,
 * plain text as text), and delete with confirmation.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, formatBytes, formatDate, type ApiError, type KnowledgeDocument } from '../api.ts';
import { asApiError, useAsync } from '../hooks.ts';
import { renderMarkdown, renderPlainText } from '../markdown.ts';
import { navigate } from '../router.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { Link } from './Link.tsx';
import { PageHeading } from './PageHeading.tsx';
import { ErrorMessage, Loading } from './States.tsx';

function isMarkdown(doc: KnowledgeDocument): boolean {
  return doc.contentType.startsWith('text/markdown') || /\.(md|markdown)$/i.test(doc.fileName);
}

function Content(props: { doc: KnowledgeDocument }) {
  const [content, reload] = useAsync((signal) => api.content(props.doc.id, signal), [props.doc.id]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (content.status !== 'ready' || !ref.current) return;
    // Sanitised DOM nodes, inserted as nodes: no HTML string ever reaches innerHTML.
    ref.current.replaceChildren(
      isMarkdown(props.doc) ? renderMarkdown(content.value) : renderPlainText(content.value),
    );
  }, [content, props.doc]);
  if (content.status === 'loading') return <Loading label="Loading the content…" />;
  if (content.status === 'error')
    return (
      <ErrorMessage title="Could not load the content." error={content.error} onRetry={reload} />
    );
  return <div class="markdown" ref={ref} data-testid="document-content" />;
}

export function DocumentView(props: { id: string }) {
  const [doc, reload] = useAsync((signal) => api.get(props.id, signal), [props.id]);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<ApiError | null>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);

  const remove = async (current: KnowledgeDocument) => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.remove(current.id);
      setConfirming(false);
      navigate('/', { replace: true });
      dispatchEvent(
        new CustomEvent('elevendops:notice', { detail: `Deleted “${current.title}”.` }),
      );
    } catch (error) {
      setDeleteError(asApiError(error));
      setConfirming(false);
    } finally {
      setDeleting(false);
    }
  };

  if (doc.status === 'loading') return <Loading label="Loading the document…" />;
  if (doc.status === 'error')
    return (
      <section>
        <PageHeading>
          {doc.error.status === 404 ? 'Document not found' : 'Document unavailable'}
        </PageHeading>
        {doc.error.status === 404 ? (
          <p>
            It may have been deleted. <Link href="/">Back to the library</Link>
          </p>
        ) : (
          <ErrorMessage error={doc.error} onRetry={reload} />
        )}
      </section>
    );
  const current = doc.value;
  return (
    <article aria-labelledby="doc-title">
      <p class="back">
        <Link href="/">← Library</Link>
      </p>
      <header class="doc-head">
        <PageHeading id="doc-title">{current.title}</PageHeading>
        <button type="button" class="danger" ref={deleteButton} onClick={() => setConfirming(true)}>
          Delete
        </button>
      </header>
      <p class="meta">
        {current.disease && <span class="pill disease">{current.disease}</span>}
        {current.tags.map((tag) => (
          <span key={tag} class="pill">
            #{tag}
          </span>
        ))}
      </p>
      <dl class="facts">
        <div>
          <dt>File</dt>
          <dd>{current.fileName}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(current.size)}</dd>
        </div>
        <div>
          <dt>Added</dt>
          <dd>
            <time dateTime={current.createdAt}>{formatDate(current.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>SHA-256</dt>
          <dd class="hash" title={current.sha256}>
            {current.sha256.slice(0, 16)}…
          </dd>
        </div>
      </dl>
      {deleteError && <ErrorMessage title="Could not delete." error={deleteError} />}
      <Content doc={current} />
      <ConfirmDialog
        open={confirming}
        title="Delete this document?"
        confirmLabel="Delete"
        busy={deleting}
        onConfirm={() => void remove(current)}
        onCancel={() => {
          setConfirming(false);
          deleteButton.current?.focus();
        }}
      >
        <p>
          “{current.title}” and its content will be removed from the library. This cannot be undone.
        </p>
      </ConfirmDialog>
    </article>
  );
}
