export { RunEngine, type RunEngineDeps } from './engine.js';
export type {
  RunEngineEvents,
  RunRef,
  AcceptInput,
  AcceptResult,
  CancelOutcome,
  ClaimedRun,
  StepError,
  FinalStep,
  EndedInfo,
} from './types.js';
export { TRANSITIONS, IN_PROGRESS, canTransition, isTerminal, sourcesOf } from './transitions.js';
export { Reconciler, type ReconcilerOptions, type ReconcileReport } from './reconciler.js';
export { createInfra, type Infra, type InfraRole } from './infra.js';
export { CheckpointWriter, type CompletedStep, type StartedStep, type StepWrite } from './checkpoints.js';
export { GroupCommit, type GroupCommitLimits, type GroupCommitOptions } from './group-commit.js';
