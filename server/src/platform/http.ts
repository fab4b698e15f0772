/** The HTTP server: Fastify with one error mapping, static web assets and module routes. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import multipart from '@fastify/multipart';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { AppError, httpStatusOf } from './errors.ts';

export const webDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

export interface HttpOptions { logLevel: string; maxUploadBytes?: number }

export async function createHttpServer(opts: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: opts.logLevel }, bodyLimit: 2 * 1024 * 1024, trustProxy: false });

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"],
        // Ant Design writes its styles at run time (CSS-in-JS).
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'], fontSrc: ["'self'", 'data:'], connectSrc: ["'self'"],
        objectSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: false,
  });
  // Only routes that ask for it (sign-in, portal forms) are rate limited.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: { code: 'rate_limited', message: `too many requests; try again in ${Math.ceil(ctx.ttl / 1000)} s`, details: { reason: 'rate-limit', retryAfterSeconds: Math.ceil(ctx.ttl / 1000) } },
    }),
  });
  await app.register(multipart, { limits: { fileSize: opts.maxUploadBytes ?? 1024 * 1024 * 1024, files: 1, fields: 10 } });

  app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
    if (err instanceof AppError) {
      const status = httpStatusOf[err.code];
      if (status >= 500) req.log.error(err);
      return reply.status(status).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    const fe = err as FastifyError & { error?: { code: string; message: string; details: object } };
    if (fe.statusCode === 429 && fe.error) return reply.status(429).send({ error: fe.error });
    if (fe.statusCode && fe.statusCode < 500) {
      const code = fe.statusCode === 413 ? 'too_large' : fe.statusCode === 415 ? 'unsupported_media' : 'bad_request';
      return reply.status(fe.statusCode).send({ error: { code, message: fe.message, details: {} } });
    }
    req.log.error(err);
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error', details: {} } });
  });

  app.setNotFoundHandler((req, reply) => {
    // Missing API paths and missing built assets are real 404s; other paths are console routes.
    if (req.url.startsWith('/api/') || req.url.startsWith('/assets/') || !fs.existsSync(path.join(webDistDir, 'index.html'))) {
      return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: {} } });
    }
    // The residents' portal is a second single-page app under /portal (web/portal.html).
    if (/^\/portal(?:[/?#]|$)/.test(req.url)) return reply.type('text/html').sendFile('portal.html');
    // The console is a single-page app: unknown paths load it and it routes on the client.
    return reply.type('text/html').sendFile('index.html');
  });

  if (fs.existsSync(webDistDir)) {
    await app.register(fastifyStatic, {
      root: webDistDir, wildcard: false,
      // The build writes .br/.gz beside each hashed asset (scripts/build-web-if-stale.mjs).
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, filePath) => {
        // Hashed file names change with their content: browsers may keep them for good; pages that
        // name them are revalidated on every load.
        const hashed = filePath.startsWith(path.join(webDistDir, 'assets') + path.sep);
        void reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=0');
      },
    });
  }
  return app;
}
