import { HeartbeatWheel, type Beating } from '../src/ws/heartbeat.js';

class FakeSocket implements Beating {
  alive = true;
  pings = 0;
  isDead = false;
  ping(): void {
    this.pings += 1;
  }
  dead(): void {
    this.isDead = true;
  }
}

describe('HeartbeatWheel', () => {
  it('pings every socket once per interval, a small batch per tick', () => {
    const wheel = new HeartbeatWheel<FakeSocket>({ intervalMs: 30_000, tickMs: 100 });
    const sockets = Array.from({ length: 19_000 }, () => new FakeSocket());
    for (const s of sockets) wheel.add(s);
    const batches: number[] = [];
    for (let tick = 0; tick < 300; tick += 1) {
      batches.push(wheel.tick());
      // Every socket answers its ping before its next turn.
      for (const s of sockets) s.alive = true;
    }
    expect(sockets.every((s) => s.pings === 1)).toBe(true);
    expect(Math.max(...batches)).toBeLessThanOrEqual(Math.ceil(19_000 / 300));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(19_000);
  });

  it('deals sockets opened one after another to the same tick, in runs', () => {
    // A tick that pings sockets opened together touches memory that lies together (see HeartbeatWheel.add).
    const wheel = new HeartbeatWheel<FakeSocket>({ intervalMs: 1_000, tickMs: 100 });
    const sockets = Array.from({ length: 100 }, () => new FakeSocket());
    for (const s of sockets) wheel.add(s);
    const first = wheel.tick();
    expect(first).toBe(32);
    expect(sockets.slice(0, 32).every((s) => s.pings === 1)).toBe(true);
    expect(sockets.slice(32).every((s) => s.pings === 0)).toBe(true);
    let total = first;
    for (let tick = 1; tick < 10; tick += 1) total += wheel.tick();
    expect(total).toBe(100);
  });

  it('a socket that did not answer the previous ping is declared dead at its next turn and leaves the wheel', () => {
    const wheel = new HeartbeatWheel<FakeSocket>({ intervalMs: 1_000, tickMs: 100 });
    const quiet = new FakeSocket();
    const chatty = new FakeSocket();
    wheel.add(quiet);
    wheel.add(chatty);
    for (let tick = 0; tick < 10; tick += 1) wheel.tick();
    chatty.alive = true;
    for (let tick = 0; tick < 10; tick += 1) wheel.tick();
    expect(quiet.isDead).toBe(true);
    expect(chatty.isDead).toBe(false);
    expect(chatty.pings).toBe(2);
    expect(wheel.size).toBe(1);
  });

  it('a removed socket is not pinged again', () => {
    const wheel = new HeartbeatWheel<FakeSocket>({ intervalMs: 500, tickMs: 100 });
    const s = new FakeSocket();
    wheel.add(s);
    wheel.remove(s);
    for (let tick = 0; tick < 10; tick += 1) wheel.tick();
    expect(s.pings).toBe(0);
    expect(wheel.size).toBe(0);
  });
});
