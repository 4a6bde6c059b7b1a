/**
 * The answer to a request Node's HTTP parser refused (bad header syntax, unknown method, headers
 * over the limit, a bad `Expect`): the service's JSON error shape instead of Node's bare status
 * line, written straight to the socket because no request object exists. Shared by the backend
 * and the frontend so both speak the same error shape at every layer.
 */
import type { Duplex } from 'node:stream';

export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, code] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout']
        : [400, 'Bad Request', 'bad_request'];
  const body = JSON.stringify({
    error: { code, message: `malformed HTTP request (${reason.toLowerCase()})` },
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n` +
      `X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n` +
      `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
