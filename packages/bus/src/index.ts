export { RedisNames } from './names.js';
export { createRedis, waitForRedis, isRedisUnavailable, type RedisRole, type RedisConnectionOptions, type Redis } from './connection.js';
export { createRunQueue, enqueueRun, queueWorkers, runJobOptions, type QueueWorkerInfo, type RunQueue, type RunQueueOptions } from './queue.js';
export { RunEventLog, RunEventSubscriber, type EventLogOptions, type PublishOptions, type SubscriberEvents } from './events.js';
export { ControlChannel, type CancelMessage, type ControlEvents, type LlmCommand } from './control.js';
export { LlmOps } from './llm-ops.js';
export { WorkerLiveness, liveWorkers, type LiveWorker, type WorkerLivenessOptions, type WorkerLivenessEvents } from './liveness.js';
export { NotificationPublisher, NOTIFICATION_PREFIX } from './notifications.js';
