// A tiny stand-in for the Rust server's web-app serving, for tests run without ROLO_URL:
// serves web/dist (any path that is not a file answers index.html, as the server will) with the
// server's Content-Security-Policy, and forwards /v1 (HTTP and the WebSocket upgrade) to a
// rolo-server. Usage: startStatic({ dist, target: 'http://127.0.0.1:18080' }) → { url, close }.
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json',
};

export function startStatic({ dist, target, port = 0 }) {
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/v1/') || url.pathname === '/v1') {
      const proxied = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      proxied.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(proxied);
      return;
    }
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dist, path === '/' ? 'index.html' : path);
    let body;
    try {
      body = await readFile(file);
    } catch {
      file = join(dist, 'index.html');
      body = await readFile(file);
    }
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP };
    if (file.endsWith('sw.js') || file.endsWith('index.html')) headers['cache-control'] = 'no-cache';
    res.writeHead(200, headers);
    res.end(body);
  });
  server.on('upgrade', (req, socket, head) => {
    const out = connect(Number(upstream.port), upstream.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      out.write(raw + '\r\n');
      if (head.length) out.write(head);
      out.pipe(socket);
      socket.pipe(out);
    });
    const end = () => { socket.destroy(); out.destroy(); };
    out.on('error', end);
    socket.on('error', end);
    out.on('close', end);
    socket.on('close', end);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({ url: `http://127.0.0.1:${address.port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}

// `node e2e/serve.mjs [port] [target]`: serve dist by hand while developing.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = new URL('../dist/', import.meta.url).pathname;
  const { url } = await startStatic({ dist, target: process.argv[3] ?? 'http://127.0.0.1:18080', port: Number(process.argv[2] ?? 5180) });
  console.log(`serving ${dist} at ${url}`);
}
