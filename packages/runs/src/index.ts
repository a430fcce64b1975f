export { RunScheduler, type RunRef, type RunSchedulerDeps } from './scheduler.js';
export { Reconciler, type ReconcilerOptions, type ReconcileReport } from './reconciler.js';
