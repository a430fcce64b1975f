export * from './common.js';
export * from './errors.js';
export * from './report.js';
export * from './events.js';
export * from './ws.js';
export * from './http.js';
export * from './jobs.js';
export * from './usage.js';
