import { z } from 'zod';
import { ClientMessageId, DoubleTextStrategy, EventId, MessageText, Uuid } from './common.js';
import { ErrorCode } from './errors.js';
import { RunEvent } from './events.js';
import { NotificationFrame } from './watch.js';

// ---- client → server ----------------------------------------------------------------------------------

export const UserMessageFrame = z.object({
  type: z.literal('user_message'),
  threadId: Uuid,
  text: MessageText,
  clientMessageId: ClientMessageId,
  strategy: DoubleTextStrategy.optional(),
});
export type UserMessageFrame = z.infer<typeof UserMessageFrame>;

export const StopAgentFrame = z.object({ type: z.literal('stop_agent'), runId: Uuid });
export type StopAgentFrame = z.infer<typeof StopAgentFrame>;

export const SubscribeFrame = z.object({ type: z.literal('subscribe'), threadId: Uuid, after: EventId.optional() });
export type SubscribeFrame = z.infer<typeof SubscribeFrame>;

export const PingFrame = z.object({ type: z.literal('ping') });

export const ClientFrame = z.discriminatedUnion('type', [UserMessageFrame, StopAgentFrame, SubscribeFrame, PingFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export const CLIENT_FRAME_TYPES = ['user_message', 'stop_agent', 'subscribe', 'ping'] as const;

// ---- server → client ----------------------------------------------------------------------------------

export const ConnectionEstablishedFrame = z.object({
  type: z.literal('connection_established'),
  connectionId: z.string(),
  userId: z.string(),
});

export const MessageAcceptedFrame = z.object({
  type: z.literal('message_accepted'),
  clientMessageId: ClientMessageId,
  messageId: Uuid,
  runId: Uuid,
  threadId: Uuid,
});
export type MessageAcceptedFrame = z.infer<typeof MessageAcceptedFrame>;

export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
  clientMessageId: z.string().optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

export const PongFrame = z.object({ type: z.literal('pong') });

/** Sent once a `subscribe` has replayed everything after `after`; live events follow. */
export const SubscribedFrame = z.object({
  type: z.literal('subscribed'),
  threadId: Uuid,
  /** The last event replayed, or the `after` that was asked for when nothing was missed. */
  lastEventId: EventId.nullable(),
  replayed: z.number().int().nonnegative(),
});

export const ServerFrame = z.union([
  ConnectionEstablishedFrame,
  MessageAcceptedFrame,
  ErrorFrame,
  PongFrame,
  SubscribedFrame,
  NotificationFrame,
  RunEvent,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** Close codes the gateway uses (RFC 6455 §7.4; 4000–4999 are the application's own). */
export const WsCloseCode = {
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
  /** The socket did not read fast enough (too many unsent bytes): reconnect and resume with `subscribe {after}`. */
  slowConsumer: 4008,
} as const;
