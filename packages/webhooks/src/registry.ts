import {
  DeliveryEventType,
  DeliveryStatus,
  NotFoundError,
  WebhookEventType,
  type CreateWebhookBody,
  type UpdateWebhookBody,
  type Webhook,
  type WebhookCreated,
  type CrossTenantAuditor,
  type WebhookDelivery,
} from '@netra/contracts';
import type { Db } from '@netra/db';
import { assertDeliverableUrl } from './address-guard.js';
import type { WebhookDispatcher } from './dispatcher.js';
import { newWebhookSecret } from './signing.js';

const FIELDS = { id: true, url: true, events: true, description: true, active: true, createdAt: true } as const;
type Row = { id: string; url: string; events: string[]; description: string | null; active: boolean; createdAt: Date };

function toWebhook(row: Row): Webhook {
  return {
    id: row.id,
    url: row.url,
    // Stored from the enum; a type a newer version dropped is not shown.
    events: row.events.filter((e): e is WebhookEventType => WebhookEventType.safeParse(e).success),
    description: row.description,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface WebhookRegistryOptions {
  /** WEBHOOK_ALLOW_PRIVATE: accept URLs that resolve to loopback/private/link-local addresses. */
  allowPrivate: boolean;
  /** Told when a user names another user's webhook (the gateway audits it as `cross_tenant`); they get a 404. */
  onCrossTenant?: CrossTenantHook;
}

/** A user named a resource that exists but is another user's. */
/** Told of an attempt on another user's webhook (the contracts' one auditor type, shared by every owned resource). */
export type CrossTenantHook = CrossTenantAuditor;

/**
 * The user's webhooks: CRUD, the delivery log and the test ping. Every read and write is scoped to the owner;
 * another user's webhook is `not_found`. A URL is checked (resolves, public unless allowed) when saved.
 */
export class WebhookRegistry {
  constructor(
    private readonly db: Db,
    private readonly dispatcher: WebhookDispatcher,
    private readonly options: WebhookRegistryOptions,
  ) {}

  async create(userId: string, body: CreateWebhookBody): Promise<WebhookCreated> {
    await assertDeliverableUrl(body.url, this.options.allowPrivate);
    const secret = newWebhookSecret();
    const row = await this.db.webhook.create({
      data: { userId, url: body.url, events: body.events, description: body.description ?? null, secret },
      select: FIELDS,
    });
    return { ...toWebhook(row), secret };
  }

  async list(userId: string): Promise<Webhook[]> {
    const rows = await this.db.webhook.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: FIELDS });
    return rows.map(toWebhook);
  }

  async get(userId: string, id: string): Promise<Webhook> {
    return toWebhook(await this.owned(userId, id));
  }

  async update(userId: string, id: string, body: UpdateWebhookBody): Promise<Webhook> {
    await this.owned(userId, id);
    if (body.url !== undefined) await assertDeliverableUrl(body.url, this.options.allowPrivate);
    const row = await this.db.webhook.update({
      where: { id },
      data: {
        ...(body.url === undefined ? {} : { url: body.url }),
        ...(body.events === undefined ? {} : { events: body.events }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.active === undefined ? {} : { active: body.active }),
      },
      select: FIELDS,
    });
    return toWebhook(row);
  }

  /** Deletes the webhook and its delivery log; queued deliveries find it gone and are dropped. */
  async remove(userId: string, id: string): Promise<Webhook> {
    const row = await this.owned(userId, id);
    await this.db.webhook.delete({ where: { id } });
    return toWebhook(row);
  }

  /** Every attempt, newest first. */
  async deliveries(userId: string, id: string, limit: number): Promise<WebhookDelivery[]> {
    await this.owned(userId, id);
    const rows = await this.db.webhookDelivery.findMany({ where: { webhookId: id }, orderBy: [{ createdAt: 'desc' }, { attempt: 'desc' }], take: limit });
    return rows.map((r) => ({
      id: r.id,
      webhookId: r.webhookId,
      eventId: r.eventId,
      eventType: DeliveryEventType.parse(r.eventType),
      attempt: r.attempt,
      status: DeliveryStatus.parse(r.status),
      httpStatus: r.httpStatus,
      latencyMs: r.latencyMs,
      error: r.error,
      createdAt: r.createdAt.toISOString(),
    }));
  }

  /** Queues a `webhook.ping` (signed and retried like any delivery); returns its event id. */
  async ping(userId: string, id: string): Promise<string> {
    await this.owned(userId, id);
    return this.dispatcher.ping(id);
  }

  private async owned(userId: string, id: string): Promise<Row> {
    const row = await this.db.webhook.findFirst({ where: { id, userId }, select: FIELDS });
    if (row) return row;
    // The same 404 whether it exists or not; only the failure path pays this lookup.
    const other = await this.db.webhook.findUnique({ where: { id }, select: { userId: true } });
    if (other) this.options.onCrossTenant?.({ resource: 'webhook', resourceId: id, userId, ownerId: other.userId });
    throw new NotFoundError('Webhook');
  }
}
