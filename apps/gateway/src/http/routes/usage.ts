import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Router, type Request } from 'express';
import {
  IngestUsageBody,
  isNetraError,
  NetraError,
  SyntheticUsageBody,
  UsageSummaryQuery,
  type ImportStreamLine,
} from '@netra/contracts';
import { errorFields, logger } from '@netra/observability';
import type { ImportFormat, UsageService } from '@netra/usage';
import { currentUser } from '../middleware.js';
import { roundSummary } from '../rounding.js';
import { parse } from '../validate.js';

const JSONL_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/json-lines', 'application/jsonlines', 'text/jsonl', 'text/x-ndjson'];
const CSV_TYPES = ['text/csv', 'application/csv'];

/** The import's format: `?format=` wins, else the Content-Type. */
function importFormat(req: Request): ImportFormat {
  const query = typeof req.query.format === 'string' ? req.query.format.toLowerCase() : undefined;
  if (query === 'jsonl' || query === 'ndjson') return 'jsonl';
  if (query === 'csv') return 'csv';
  const type = (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (JSONL_TYPES.includes(type)) return 'jsonl';
  if (CSV_TYPES.includes(type)) return 'csv';
  throw new NetraError(
    'unsupported_media_type',
    'Send JSONL as Content-Type: application/x-ndjson or CSV as text/csv (or add ?format=jsonl|csv); a JSON body goes to POST /api/v1/usage-events',
  );
}

/** The request body as a byte stream, gunzipped when it says so. */
function bodyStream(req: Request): Readable {
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding === 'gzip') {
    const gunzip = createGunzip();
    // Errors of either side surface in the consumer's for-await over the gunzip stream.
    return pipeline(req, gunzip, () => undefined);
  }
  throw new NetraError('unsupported_media_type', `Content-Encoding ${encoding} is not supported (use gzip or none)`);
}

/** Usage data: batch and streaming ingestion, the synthetic workload, summaries. */
export function usageRoutes(usage: UsageService): Router {
  const router = Router();

  router.post('/usage-events', async (req, res) => {
    const body = parse(IngestUsageBody, req.body, 'body');
    res.json(await usage.ingest(currentUser(req).id, body));
  });

  router.post('/usage-events/import', async (req, res) => {
    const format = importFormat(req);
    if (req.body !== undefined) throw new NetraError('unsupported_media_type', 'The import body must be JSONL or CSV, not a parsed JSON document');
    const source = bodyStream(req);
    const userId = currentUser(req).id;
    if (!(req.get('accept') ?? '').includes('application/x-ndjson')) {
      res.json(await usage.import(userId, source, { format }));
      return;
    }
    // Progress as NDJSON: one line per stored batch (at most every 500 ms), then one result or error line.
    res.status(200).type('application/x-ndjson');
    res.flushHeaders();
    const send = (line: ImportStreamLine) => {
      res.write(`${JSON.stringify(line)}\n`);
    };
    try {
      const result = await usage.import(userId, source, { format, onProgress: send });
      send({ type: 'result', ...result });
    } catch (error) {
      const netra = isNetraError(error) ? error : null;
      if (!netra) logger.error('import failed', errorFields(error));
      send({
        type: 'error',
        error: {
          code: netra?.code ?? 'internal',
          message: netra?.message ?? 'Internal error',
          ...(netra?.details === undefined ? {} : { details: netra.details }),
        },
      });
    }
    res.end();
  });

  router.post('/usage-events/synthetic', async (req, res) => {
    const body = parse(SyntheticUsageBody, req.body ?? {}, 'body');
    res.status(201).json(await usage.synthetic(currentUser(req).id, body));
  });

  router.get('/usage/summary', async (req, res) => {
    const query = parse(UsageSummaryQuery, req.query, 'query');
    res.json(roundSummary(await usage.summary(currentUser(req).id, query)));
  });

  return router;
}
