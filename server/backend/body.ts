/**
 * Request body readers with hard limits: a JSON reader and a multipart reader (busboy) for one
 * uploaded text file plus form fields. Limits are enforced while reading, so an oversized body
 * costs at most the limit in memory.
 *
 * A refused body is not cut off: closing a socket that still has unread request bytes makes the
 * kernel answer them with a reset, which can destroy our 413 before the client (the frontend's
 * proxy, still streaming the upload) reads it. So the rest is read and discarded ("lingering
 * close"), up to LINGER_BYTES or LINGER_MS, and only a client that keeps sending beyond that is
 * disconnected.
 */
import busboy from 'busboy';
import type { Context } from 'koa';
import { ApiError } from './errors.ts';

export const JSON_TYPES = ['application/json'];
export const MULTIPART_TYPES = ['multipart/form-data'];

export function tooLarge(limitBytes: number, what = 'request body'): ApiError {
  return new ApiError(413, 'payload_too_large', `${what} is larger than ${limitBytes} bytes`, {
    limitBytes,
  });
}

export function unsupportedType(accepted: readonly string[], message?: string): ApiError {
  return new ApiError(
    415,
    'unsupported_media_type',
    message ?? `Content-Type must be one of: ${accepted.join(', ')}`,
    { accepted },
  );
}

/** Most bytes of a refused body read and discarded before the connection is dropped. */
export const LINGER_BYTES = 64 * 1024 * 1024;
/** Longest a refused body is drained before the connection is dropped. */
export const LINGER_MS = 15_000;

/** Reads and discards what is left of the request body, within the linger limits. */
export function drainRequest(ctx: Context): void {
  const req = ctx.req;
  if (req.complete || req.destroyed || ctx.state['draining'] === true) return;
  ctx.state['draining'] = true;
  let seen = 0;
  const drop = () => req.socket.destroy();
  const timer = setTimeout(drop, LINGER_MS).unref();
  const stop = () => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER_BYTES) {
      stop();
      drop();
    }
  });
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}

/** A refusal of the body: the rest of it is drained (see above), then the error is thrown. */
function refuse(ctx: Context, error: ApiError): ApiError {
  const declared = Number(ctx.get('content-length'));
  // A declared body far beyond what we would ever drain: say so and close instead.
  if (Number.isFinite(declared) && declared > LINGER_BYTES) ctx.state['closeConnection'] = true;
  else drainRequest(ctx);
  return error;
}

/** The raw body, at most `limit` bytes (413 beyond, without keeping more). */
export function readRaw(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length'));
  if (Number.isFinite(declared) && declared > limit)
    return Promise.reject(refuse(ctx, tooLarge(limit)));
  const req = ctx.req;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Plain listeners, not `for await`: leaving an async iterator early destroys the request,
    // and with it the socket.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks.length = 0;
      reject(refuse(ctx, tooLarge(limit)));
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = () => {
      cleanup();
      reject(new ApiError(400, 'bad_request', 'the request body was cut off'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onAbort);
      req.off('error', onAbort);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onAbort);
    req.once('error', onAbort);
  });
}

/** Parses a JSON body of at most `limit` bytes. */
export async function readJson(ctx: Context, limit: number): Promise<unknown> {
  if (!ctx.is(JSON_TYPES)) throw refuse(ctx, unsupportedType(JSON_TYPES));
  const raw = await readRaw(ctx, limit);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ApiError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(
      400,
      'invalid_json',
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

export interface UploadedFile {
  readonly fieldName: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

export interface MultipartBody {
  /** Every text field, in order; a repeated name has several values. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  readonly file: UploadedFile | undefined;
}

export interface MultipartLimits {
  readonly fileBytes: number;
  /** @default 64 KiB */
  readonly fieldBytes?: number;
  /** @default 50 */
  readonly fields?: number;
}

/** Reads a multipart/form-data body holding at most one file. */
export function readMultipart(ctx: Context, limits: MultipartLimits): Promise<MultipartBody> {
  if (!ctx.is(MULTIPART_TYPES))
    return Promise.reject(refuse(ctx, unsupportedType(MULTIPART_TYPES)));
  const fieldBytes = limits.fieldBytes ?? 64 * 1024;
  return new Promise<MultipartBody>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: ctx.req.headers,
        limits: {
          // busboy signals 'limit' on reaching fileSize, not on exceeding it: allow one more byte.
          fileSize: limits.fileBytes + 1,
          files: 1,
          fields: limits.fields ?? 50,
          fieldSize: fieldBytes,
          fieldNameSize: 100,
          parts: (limits.fields ?? 50) + 1,
        },
        defParamCharset: 'utf8',
      });
    } catch (error) {
      reject(
        new ApiError(
          400,
          'invalid_multipart',
          `malformed multipart request: ${(error as Error).message}`,
        ),
      );
      return;
    }
    const fields = new Map<string, string[]>();
    let file: UploadedFile | undefined;
    let failed = false;
    let pendingFile: Promise<void> = Promise.resolve();

    const fail = (error: ApiError) => {
      if (failed) return;
      failed = true;
      ctx.req.unpipe(parser);
      reject(refuse(ctx, error));
    };

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated)
        return fail(tooLarge(fieldBytes, `form field ${JSON.stringify(name.slice(0, 100))}`));
      const values = fields.get(name) ?? [];
      values.push(value);
      fields.set(name, values);
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return fail(
          new ApiError(
            400,
            'invalid_multipart',
            `unexpected file part ${JSON.stringify(name)}; send the document as "file"`,
          ),
        );
      }
      const chunks: Buffer[] = [];
      pendingFile = new Promise<void>((done) => {
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('limit', () => fail(tooLarge(limits.fileBytes, 'file')));
        stream.on('close', () => {
          file = { fieldName: name, fileName: info.filename ?? '', bytes: Buffer.concat(chunks) };
          done();
        });
      });
    });
    const tooMany = (what: string) => () =>
      fail(
        new ApiError(
          400,
          'invalid_multipart',
          `too many ${what} in the form (one file, at most ${limits.fields ?? 50} fields)`,
        ),
      );
    parser.on('filesLimit', tooMany('files'));
    parser.on('fieldsLimit', tooMany('fields'));
    parser.on('partsLimit', tooMany('parts'));
    parser.on('error', (error: Error) =>
      fail(new ApiError(400, 'invalid_multipart', `malformed multipart request: ${error.message}`)),
    );
    parser.on('close', () => {
      void pendingFile.then(() => {
        if (!failed) resolve({ fields, file });
      });
    });
    ctx.req.on('error', () =>
      fail(new ApiError(400, 'invalid_multipart', 'request body was cut off')),
    );
    ctx.req.pipe(parser);
  });
}
