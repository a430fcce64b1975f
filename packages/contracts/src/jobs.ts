import { z } from 'zod';
import { Uuid } from './common.js';

/** The payload of a job on the `agent-runs` queue. The job id is the run id. */
export const RunJobData = z.object({
  runId: Uuid,
  threadId: Uuid,
  userId: Uuid,
  /** Epoch ms when the gateway accepted the message, to measure queue wait. */
  acceptedAt: z.number().int().nonnegative(),
  /** W3C trace context of the request that created the run. */
  traceparent: z.string().optional(),
});
export type RunJobData = z.infer<typeof RunJobData>;
