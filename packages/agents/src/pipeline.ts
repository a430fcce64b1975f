import { AGENTS } from '@netra/contracts';
import { actionsAgent } from './agents/actions.js';
import { dataAgent } from './agents/data.js';
import { optimizationAgent } from './agents/optimization.js';
import { reportingAgent } from './agents/reporting.js';
import { triageAgent } from './agents/triage.js';
import type { AnyAgent } from './types.js';

/** The supervisor's sub-agents, in the order they run (SPEC §4). */
export const PIPELINE: readonly AnyAgent[] = [triageAgent, dataAgent, optimizationAgent, actionsAgent, reportingAgent];

if (PIPELINE.map((a) => a.name).join() !== AGENTS.join()) {
  throw new Error('PIPELINE order must match AGENTS in @netra/contracts');
}
