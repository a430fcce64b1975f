export { RedisNames } from './names.js';
export { createRedis, waitForRedis, type RedisRole, type RedisConnectionOptions, type Redis } from './connection.js';
export { createRunQueue, enqueueRun, runJobOptions, type RunQueue, type RunQueueOptions } from './queue.js';
export { RunEventLog, RunEventSubscriber, type EventLogOptions, type PublishOptions, type SubscriberEvents } from './events.js';
export { ControlChannel, type CancelMessage, type ControlEvents } from './control.js';
