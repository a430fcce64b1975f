import { Api, tokenFor, WsClient } from '../support/clients.js';
import { Stack } from '../support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start('wsauth', { env: { WS_TICKET_TTL_MS: '1000', CORS_ORIGINS: 'https://app.example' } });
});

afterAll(async () => {
  await stack?.stop();
});

async function ticketFor(subject: string): Promise<string> {
  const api = await stack.api(subject);
  const res = await api.post<{ ticket: string; url: string; expiresAt: string }>('/api/v1/ws-tickets');
  expect(res.status).toBe(201);
  expect(res.body.url).toBe(`/ws?ticket=${res.body.ticket}`);
  return res.body.ticket;
}

describe('browser WebSocket tickets', () => {
  it('lets a browser connect once with a ticket, as the user who asked for it', async () => {
    const ticket = await ticketFor('tina');
    const client = await WsClient.connect(`${stack.gateway.wsUrl}?ticket=${ticket}`);
    const hello = await client.next((f) => f.type === 'connection_established');
    expect(hello).toMatchObject({ userId: 'tina' });
    await client.close();
    await expect(WsClient.connect(`${stack.gateway.wsUrl}?ticket=${ticket}`)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses an expired ticket, an unknown one, and a ticket presented with another user’s token', async () => {
    const expired = await ticketFor('uma');
    await new Promise((r) => setTimeout(r, 1_200));
    await expect(WsClient.connect(`${stack.gateway.wsUrl}?ticket=${expired}`)).rejects.toMatchObject({ status: 401 });
    await expect(WsClient.connect(`${stack.gateway.wsUrl}?ticket=${'a'.repeat(43)}`)).rejects.toMatchObject({ status: 401 });
    const vics = await ticketFor('vic');
    const walt = await tokenFor('walt');
    await expect(WsClient.connect(`${stack.gateway.wsUrl}?ticket=${vics}`, { authorization: `Bearer ${walt}` })).rejects.toMatchObject({ status: 401 });
  });

  it('checks the Origin of browser upgrades against CORS_ORIGINS', async () => {
    const token = await tokenFor('xena');
    await expect(WsClient.connect(stack.gateway.wsUrl, { authorization: `Bearer ${token}`, origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    const allowed = await WsClient.connect(stack.gateway.wsUrl, { authorization: `Bearer ${token}`, origin: 'https://app.example' });
    await allowed.close();
  });

  it('needs a bearer token to mint a ticket', async () => {
    const res = await new Api(stack.gateway.url).post('/api/v1/ws-tickets');
    expect(res.status).toBe(401);
  });
});
