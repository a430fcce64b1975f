export { PIPELINE } from './pipeline.js';
export type { Agent, AnyAgent, AgentContext, AgentOutputs, AgentResult } from './types.js';
export { AgentInputError } from './types.js';
export * from './schemas.js';
export { classify, parseWindow, triageByRules } from './agents/triage.js';
export { renderSummary } from './agents/reporting.js';
export { TRIM_SHARE } from './agents/optimization.js';
export * as tools from './tools/index.js';
