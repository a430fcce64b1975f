export { UsageService, ImportFailedError, MAX_REPORTED_ERRORS, IMPORT_BATCH, IMPORT_IN_FLIGHT, MAX_SYNTHETIC_EVENTS, type ImportFormat, type ImportOptions } from './service.js';
export { UsageWriter, type WriteResult } from './ingest.js';
export { CatalogService, PriceBook, canonicalModel, costOf, PRICE_BOOK_TTL_MS, type ModelPrice } from './catalog.js';
export { CATALOG_SEED, CATALOG_SOURCE_DATE } from './catalog-seed.js';
export { jsonLines, csvRecords, validateEvent, CsvHeaderError, MAX_RECORD_BYTES, type RawRecord } from './parse.js';
export { syntheticEvents, syntheticWindow, anomalyOf, promptHashOf, SYNTHETIC_APPS, type SyntheticOptions, type AnomalyKind } from './synthetic.js';
export { breakdown, summarize, views, Aggregate, type Breakdown, type Window } from './summary.js';
export * as histogram from './histogram.js';
