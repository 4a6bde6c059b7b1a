/**
 * HTTP routes of the knowledge library (docs/api.md): parse and validate, call the service,
 * shape the response. Everything that can go wrong becomes an ApiError or passes through as a
 * StoreUnavailableError for the error boundary to render.
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { ApiError, validationError, type FieldProblem } from '../errors.ts';
import {
  drainRequest,
  readJson,
  readMultipart,
  tooLarge,
  unsupportedType,
  JSON_TYPES,
  MULTIPART_TYPES,
} from '../body.ts';
import {
  ACCEPTED_EXTENSIONS,
  MARKDOWN,
  PLAIN_TEXT,
  contentTypeOf,
  parseBefore,
  safeFileName,
} from './model.ts';
import {
  checkCreate,
  checkCreateForm,
  checkPatch,
  isWellFormed,
  normalizeDisease,
  normalizeTags,
  type CreateFields,
} from './schema.ts';
import type { KnowledgeService, NewDocument } from './service.ts';

export interface KnowledgeRoutesOptions {
  readonly service: KnowledgeService;
  /** Largest content accepted, bytes (KNOWLEDGE_MAX_BYTES). */
  readonly maxContentBytes: number;
}

const PATCH_BODY_LIMIT = 64 * 1024;
const QUERY_VALUE_MAX = 200;
export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

function fieldsFrom(fields: CreateFields) {
  return {
    title: fields.title.trim(),
    disease: normalizeDisease(fields.disease),
    tags: normalizeTags(fields.tags),
  };
}

async function jsonUpload(ctx: Context, maxBytes: number): Promise<NewDocument> {
  // Room for JSON escaping (up to 6 bytes per content byte), then the content itself is measured.
  const body = await readJson(ctx, maxBytes * 6 + 64 * 1024);
  const checked = checkCreate(body);
  if (!checked.ok) throw validationError(checked.problems);
  const content = Buffer.from(checked.value.content, 'utf8');
  if (content.byteLength > maxBytes) throw tooLarge(maxBytes, 'content');
  const text = checked.value.format === 'text';
  return {
    ...fieldsFrom(checked.value),
    fileName: text ? 'content.txt' : 'content.md',
    contentType: text ? PLAIN_TEXT : MARKDOWN,
    content,
  };
}

async function multipartUpload(ctx: Context, maxBytes: number): Promise<NewDocument> {
  const { fields, file } = await readMultipart(ctx, { fileBytes: maxBytes });
  const form: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const [name, values] of fields) {
    if (name === 'tags') {
      form['tags'] = values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
    } else if (values.length > 1) {
      problems.push({ field: `/${name}`, message: 'must be given once' });
    } else if (name === 'disease' && values[0]!.trim() === '') {
      form['disease'] = null;
    } else {
      form[name] = values[0];
    }
  }
  if (problems.length > 0) throw validationError(problems);
  const checked = checkCreateForm(form);
  if (!checked.ok) throw validationError(checked.problems);
  if (!file) throw new ApiError(400, 'invalid_multipart', 'the form has no file part named "file"');
  const contentType = contentTypeOf(file.fileName);
  if (!contentType) {
    throw unsupportedType(
      ACCEPTED_EXTENSIONS,
      `only ${ACCEPTED_EXTENSIONS.join(', ')} files are accepted`,
    );
  }
  if (file.bytes.byteLength === 0)
    throw validationError([{ field: '/file', message: 'must not be empty' }]);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    throw unsupportedType(
      ['text/markdown; charset=utf-8', 'text/plain; charset=utf-8'],
      'the file is not UTF-8 text',
    );
  }
  return {
    ...fieldsFrom(checked.value),
    fileName: safeFileName(file.fileName, contentType === PLAIN_TEXT ? '.txt' : '.md'),
    contentType,
    content: file.bytes,
  };
}

/** One query parameter as a string, or a field problem. */
function queryValue(ctx: Context, name: string, problems: FieldProblem[]): string | undefined {
  const raw = ctx.query[name];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) {
    problems.push({ field: name, message: 'must be given once' });
    return undefined;
  }
  if (raw.length > QUERY_VALUE_MAX || !isWellFormed(raw)) {
    problems.push({
      field: name,
      message: `must be at most ${QUERY_VALUE_MAX} characters of well-formed text`,
    });
    return undefined;
  }
  return raw === '' ? undefined : raw;
}

export function registerKnowledgeRoutes(router: Router, options: KnowledgeRoutesOptions): void {
  const { service, maxContentBytes } = options;

  router.post('/api/knowledge', async (ctx) => {
    let input: NewDocument;
    if (ctx.is(JSON_TYPES)) input = await jsonUpload(ctx, maxContentBytes);
    else if (ctx.is(MULTIPART_TYPES)) input = await multipartUpload(ctx, maxContentBytes);
    else {
      drainRequest(ctx);
      throw unsupportedType([...JSON_TYPES, ...MULTIPART_TYPES]);
    }
    const doc = await service.create(input);
    ctx.status = 201;
    ctx.set('Location', `/api/knowledge/${doc.id}`);
    ctx.body = doc;
  });

  router.get('/api/knowledge', async (ctx) => {
    const problems: FieldProblem[] = [];
    const disease = queryValue(ctx, 'disease', problems);
    const tag = queryValue(ctx, 'tag', problems);
    const q = queryValue(ctx, 'q', problems);
    const limitRaw = queryValue(ctx, 'limit', problems);
    const beforeRaw = queryValue(ctx, 'before', problems);
    let limit = LIST_LIMIT_DEFAULT;
    if (limitRaw !== undefined) {
      limit = /^\d{1,3}$/.test(limitRaw) ? Number(limitRaw) : NaN;
      if (!(limit >= 1 && limit <= LIST_LIMIT_MAX))
        problems.push({
          field: 'limit',
          message: `must be an integer from 1 to ${LIST_LIMIT_MAX}`,
        });
    }
    const before = beforeRaw === undefined ? undefined : parseBefore(beforeRaw);
    if (beforeRaw !== undefined && before === undefined)
      problems.push({
        field: 'before',
        message: 'must be a cursor from nextBefore or an ISO 8601 instant',
      });
    if (problems.length > 0) throw validationError(problems);
    ctx.body = await service.list({
      limit,
      ...(disease === undefined ? {} : { disease }),
      ...(tag === undefined ? {} : { tag }),
      ...(q === undefined ? {} : { q }),
      ...(before === undefined ? {} : { before }),
    });
  });

  router.get('/api/knowledge/:id', async (ctx) => {
    ctx.body = await service.get(ctx.params['id'] ?? '');
  });

  router.get('/api/knowledge/:id/content', async (ctx) => {
    const id = ctx.params['id'] ?? '';
    const head = ctx.method === 'HEAD';
    const doc = await service.get(id);
    const etag = `"${doc.sha256}"`;
    ctx.set('ETag', etag);
    ctx.set('Cache-Control', 'private, no-cache');
    ctx.set('X-Content-SHA256', doc.sha256);
    ctx.set('Repr-Digest', `sha-256=:${Buffer.from(doc.sha256, 'hex').toString('base64')}:`);
    ctx.set('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(doc.fileName)}`);
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; sandbox");
    const inm = ctx.get('If-None-Match');
    if (inm && inm.split(',').some((t) => [etag, `W/${etag}`, '*'].includes(t.trim()))) {
      ctx.status = 304;
      return;
    }
    ctx.type = doc.contentType;
    if (head) {
      // Do not open a stream nobody will read (Koa would never consume it).
      ctx.status = 200;
      ctx.length = doc.size;
      return;
    }
    const { stream } = await service.content(id);
    ctx.body = stream;
    ctx.type = doc.contentType;
    ctx.length = doc.size;
  });

  router.patch('/api/knowledge/:id', async (ctx) => {
    const body = await readJson(ctx, PATCH_BODY_LIMIT);
    const checked = checkPatch(body);
    if (!checked.ok) throw validationError(checked.problems);
    const patch = checked.value;
    ctx.body = await service.update(ctx.params['id'] ?? '', {
      ...(patch.title === undefined ? {} : { title: patch.title.trim() }),
      ...(patch.disease === undefined ? {} : { disease: normalizeDisease(patch.disease) }),
      ...(patch.tags === undefined ? {} : { tags: normalizeTags(patch.tags) }),
    });
  });

  router.delete('/api/knowledge/:id', async (ctx) => {
    await service.remove(ctx.params['id'] ?? '');
    ctx.status = 204;
  });

  router.get('/api/dashboard/stats', async (ctx) => {
    ctx.body = await service.stats();
  });
}
