import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { buildOpenApi } from '../openapi.js';

const SWAGGER_UI = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Netra API</title>
<link rel="stylesheet" href="./swagger-ui.css">
<link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="./swagger-ui-bundle.js"></script>
<script src="./swagger-ui-standalone-preset.js"></script>
<script src="./netra-docs.js"></script>
</body>
</html>
`;

// Our own initializer file (the package's one points at the petstore): no inline script, so the page works
// under a strict `script-src 'self'` CSP, and nothing is fetched from another origin.
const INITIALIZER_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    validatorUrl: null
  });
});
`;

/** `GET /api/openapi.json` (generated once, from the zod contracts) and the Swagger UI at `/api/docs/`. */
export function docsRoutes(options: { version: string; serverUrl?: string }): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApi(options));

  router.get('/api/openapi.json', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.type('application/json').send(document);
  });
  router.get('/api/docs', (req, res) => {
    // Relative asset URLs need the trailing slash.
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, '/api/docs/');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(INDEX_HTML);
  });
  // Assets of the page (not API routes): our initializer, then the swagger-ui-dist files.
  router.use('/api/docs', (req, res, next) => {
    if (req.path !== '/netra-docs.js') return next();
    res.type('application/javascript').send(INITIALIZER_JS);
  });
  router.use('/api/docs', express.static(SWAGGER_UI, { index: false, redirect: false, maxAge: '1h' }));
  return router;
}
