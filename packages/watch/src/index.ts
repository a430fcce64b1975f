export { periodWindow, forecastSpend, checkBudget, MIN_FORECAST_ELAPSED, type PeriodWindow, type BudgetCheck } from './periods.js';
export { dailySpend, type DailySpend } from './spend.js';
export { BudgetService, budgetStatus, type BudgetServiceOptions } from './budgets.js';
export { AlertStore, AlertRaiser, type AlertDraft } from './alerts.js';
export { BudgetEvaluator } from './evaluator.js';
export { createWatchQueue, BudgetTrigger, CHECK_COALESCE_MS, type WatchQueue } from './queue.js';
export { WatchWorker, type WatchWorkerOptions } from './worker.js';
export { ScheduleService, ScheduleFirer, nextFireTimes, schedulerId, slotMessageId, parseSlotMessageId, type ScheduleServiceOptions, type StartedRun } from './schedules.js';
export { RecommendationTracker, recommendationId, recommendationRows, REGRESSION } from './recommendations.js';
