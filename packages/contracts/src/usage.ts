import { z } from 'zod';
import { IsoDateTime } from './common.js';

/** One LLM call made by the user's own applications (SPEC §4 "Usage events"). */
export const UsageEventInput = z.object({
  id: z.string().min(1).max(128),
  timestamp: IsoDateTime,
  app: z.string().min(1).max(128),
  model: z.string().min(1).max(128),
  provider: z.string().min(1).max(64).optional(),
  promptTokens: z.number().int().nonnegative().max(10_000_000),
  completionTokens: z.number().int().nonnegative().max(10_000_000),
  latencyMs: z.number().int().nonnegative().max(3_600_000),
  ttftMs: z.number().int().nonnegative().max(3_600_000).optional(),
  status: z.enum(['ok', 'error']),
  costUsd: z.number().nonnegative().max(1_000_000).optional(),
  promptHash: z
    .string()
    .regex(/^[a-f0-9]{64}$/, 'promptHash must be a lowercase hex sha256')
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type UsageEventInput = z.infer<typeof UsageEventInput>;

/** An entry of the model catalog: what a model costs and how good and fast it is. */
export const ModelCatalogEntry = z.object({
  id: z.uuid(),
  provider: z.string(),
  model: z.string(),
  inputPricePerMTok: z.number().nonnegative(),
  outputPricePerMTok: z.number().nonnegative(),
  qualityScore: z.number().min(0).max(100),
  contextWindow: z.number().int().positive(),
  typicalLatencyMs: z.number().int().nonnegative().nullable(),
  updatedAt: IsoDateTime,
});
export type ModelCatalogEntry = z.infer<typeof ModelCatalogEntry>;
