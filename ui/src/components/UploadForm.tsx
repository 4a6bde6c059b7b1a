/**
 * Upload a document: a `.md` / `.txt` file or pasted text, with title, disease and tags. Field
 * problems from the API (`validation_failed` details) are shown next to their fields; a
 * duplicate links to the existing document.
 */
import { useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { api, parseTags } from '../api.ts';
import { asApiError } from '../hooks.ts';
import { navigate } from '../router.ts';
import { Link } from './Link.tsx';
import { PageHeading } from './PageHeading.tsx';

type Source = 'file' | 'text';

const ACCEPT = '.md,.markdown,.txt,text/markdown,text/plain';

export function UploadForm() {
  const [source, setSource] = useState<Source>('file');
  const [title, setTitle] = useState('');
  const [disease, setDisease] = useState('');
  const [tags, setTags] = useState('');
  const [text, setText] = useState('');
  const [format, setFormat] = useState<'markdown' | 'text'>('markdown');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const errorRef = useRef<HTMLDivElement>(null);

  const fieldErrors: Record<string, string> = { ...local };
  for (const problem of error?.fields ?? []) fieldErrors[problem.field] ??= problem.message;
  if (error?.code === 'payload_too_large')
    fieldErrors[source === 'file' ? 'file' : 'content'] ??= error.message;
  if (error?.code === 'unsupported_media_type') fieldErrors['file'] ??= error.message;

  const describedBy = (name: string) => (fieldErrors[name] ? `${name}-error` : undefined);
  const fieldError = (name: string) =>
    fieldErrors[name] ? (
      <p id={`${name}-error`} class="field-error">
        {fieldErrors[name]}
      </p>
    ) : null;

  const onFile = (chosen: File | null) => {
    setFile(chosen);
    if (chosen && title.trim() === '') setTitle(chosen.name.replace(/\.(md|markdown|txt)$/i, ''));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (title.trim() === '') problems['title'] = 'Give the document a title.';
    if (source === 'file' && file === null) problems['file'] = 'Choose a .md or .txt file.';
    if (source === 'text' && text.trim() === '') problems['content'] = 'Paste the document text.';
    setLocal(problems);
    setError(null);
    const firstProblem = Object.keys(problems)[0];
    if (firstProblem !== undefined) {
      // Field ids equal the problem keys: put the reader on the first field to fix.
      document.getElementById(firstProblem)?.focus();
      return;
    }
    setBusy(true);
    try {
      const common = {
        title: title.trim(),
        disease: disease.trim() === '' ? null : disease.trim(),
        tags: parseTags(tags),
      };
      const created =
        source === 'file'
          ? await api.createFromFile({ ...common, file: file! })
          : await api.createFromText({ ...common, content: text, format });
      navigate(`/documents/${encodeURIComponent(created.id)}`);
    } catch (caught) {
      setError(asApiError(caught));
      queueMicrotask(() => errorRef.current?.focus());
    } finally {
      setBusy(false);
    }
  };

  const existingId =
    typeof error?.details['existingId'] === 'string' ? error.details['existingId'] : undefined;

  return (
    <section aria-labelledby="upload-title">
      <PageHeading id="upload-title">Upload a document</PageHeading>
      {error && (
        <div class="error" role="alert" tabIndex={-1} ref={errorRef}>
          <p>
            <strong>Upload failed.</strong> {error.message}
          </p>
          {existingId && (
            <p>
              <Link href={`/documents/${encodeURIComponent(existingId)}`}>
                Open the existing document
              </Link>
            </p>
          )}
        </div>
      )}
      <form class="upload" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
        <div class="field">
          <label for="title">Title</label>
          <input
            id="title"
            name="title"
            required
            maxLength={200}
            value={title}
            aria-invalid={fieldErrors['title'] ? true : undefined}
            aria-describedby={describedBy('title')}
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
          {fieldError('title')}
        </div>
        <div class="row">
          <div class="field">
            <label for="disease">
              Disease <span class="muted">(optional)</span>
            </label>
            <input
              id="disease"
              name="disease"
              maxLength={100}
              value={disease}
              placeholder="e.g. diabetes"
              aria-invalid={fieldErrors['disease'] ? true : undefined}
              aria-describedby={describedBy('disease')}
              onInput={(e) => setDisease(e.currentTarget.value)}
            />
            {fieldError('disease')}
          </div>
          <div class="field">
            <label for="tags">
              Tags <span class="muted">(comma-separated)</span>
            </label>
            <input
              id="tags"
              name="tags"
              value={tags}
              placeholder="guideline, metformin"
              aria-invalid={fieldErrors['tags'] ? true : undefined}
              aria-describedby={describedBy('tags')}
              onInput={(e) => setTags(e.currentTarget.value)}
            />
            {fieldError('tags')}
          </div>
        </div>
        <fieldset class="source">
          <legend>Content</legend>
          <label class="choice">
            <input
              type="radio"
              name="source"
              value="file"
              checked={source === 'file'}
              onChange={() => setSource('file')}
            />{' '}
            Upload a file
          </label>
          <label class="choice">
            <input
              type="radio"
              name="source"
              value="text"
              checked={source === 'text'}
              onChange={() => setSource('text')}
            />{' '}
            Paste text
          </label>
        </fieldset>
        {source === 'file' ? (
          <div class="field">
            <label for="file">Markdown or text file (.md, .txt; up to 1 MiB)</label>
            <input
              id="file"
              name="file"
              type="file"
              accept={ACCEPT}
              aria-invalid={fieldErrors['file'] ? true : undefined}
              aria-describedby={describedBy('file')}
              onChange={(e) => onFile(e.currentTarget.files?.[0] ?? null)}
            />
            {fieldError('file')}
          </div>
        ) : (
          <>
            <div class="field">
              <label for="content">Document text</label>
              <textarea
                id="content"
                name="content"
                rows={12}
                value={text}
                aria-invalid={fieldErrors['content'] ? true : undefined}
                aria-describedby={describedBy('content')}
                onInput={(e) => setText(e.currentTarget.value)}
              />
              {fieldError('content')}
            </div>
            <div class="field">
              <label for="format">Format</label>
              <select
                id="format"
                value={format}
                onChange={(e) => setFormat(e.currentTarget.value === 'text' ? 'text' : 'markdown')}
              >
                <option value="markdown">Markdown</option>
                <option value="text">Plain text</option>
              </select>
            </div>
          </>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Uploading…' : 'Upload'}
          </button>
          <Link href="/" class="button secondary">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
