/** One knowledge document created through the backend API, so load hits a real read path. */
import { request } from 'node:http';

function post(port: number, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.once('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, json: undefined });
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end(data);
  });
}

/**
 * Creates a ~16 KiB markdown document; returns the paths that read it (metadata, content, list),
 * or undefined when the backend does not accept it (the harness then loads `/api/health`).
 */
export async function seedDocument(backendPort: number): Promise<string[] | undefined> {
  const content = `# Benchmark document\n\n${'Metformin is first-line therapy for type 2 diabetes. '.repeat(300)}\n`;
  try {
    const r = await post(backendPort, '/api/knowledge', {
      title: 'Benchmark document',
      disease: 'diabetes',
      tags: ['bench'],
      content,
    });
    const id: unknown =
      r.status === 201 || r.status === 200 ? r.json?.id : r.json?.error?.details?.existingId;
    if (typeof id !== 'string') return undefined;
    return [`/api/knowledge/${id}`, `/api/knowledge/${id}/content`, '/api/knowledge?limit=5'];
  } catch {
    return undefined;
  }
}
