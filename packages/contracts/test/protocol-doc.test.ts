import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderProtocol } from '../src/protocol-doc.js';

describe('docs/PROTOCOL.md', () => {
  it('is what the WebSocket schemas generate (run `npm run docs:protocol` after changing a frame)', () => {
    const committed = readFileSync(path.join(process.cwd(), 'docs/PROTOCOL.md'), 'utf8');
    expect(committed).toBe(renderProtocol());
  });

  it('documents every client frame, server frame and run event type', () => {
    const doc = renderProtocol();
    for (const type of ['user_message', 'stop_agent', 'subscribe', 'ping', 'connection_established', 'message_accepted', 'error', 'pong', 'subscribed', 'agent_started', 'sub_agent_update', 'agent_token', 'agent_completed', 'agent_failed', 'agent_stopped']) {
      expect(doc).toContain(`### \`${type}\``);
    }
  });
});
