import { startFleet, verifyFleet, waitForFleet } from '../support/fleet.js';
import { Stack } from '../support/stack.js';

// Two gateways, three workers, many clients, real processes: nothing lost, nothing twice, whichever gateway a
// client is on — including while workers are killed and stopped under it.
describe('a horizontally scaled fleet', () => {
  it('50 clients × 20 messages over 2 gateways and 3 workers: every run ends once, every event arrives once, in order', async () => {
    const stack = await Stack.start('fleet', { gateways: 2, workers: 3 });
    try {
      const started = Date.now();
      const clients = await startFleet(stack, { clients: 50, messagesPerClient: 20, prefix: 'f' });
      await waitForFleet(clients, 120_000);
      const result = await verifyFleet(stack, clients);
      expect(result).toMatchObject({ runs: 1000, completed: 1000 });
      process.stdout.write(`fleet: 1000 runs in ${Date.now() - started} ms\n`);
    } finally {
      await stack.stop();
    }
  });

  it('the same while one worker is SIGKILLed mid-run and another SIGTERMed: runs resume elsewhere, once', async () => {
    const stack = await Stack.start('fleetfault', {
      gateways: 2,
      workers: 3,
      // Slow enough that kills land mid-run; a short lock so a killed worker's runs are taken over in ~2 s.
      env: { LLM_LOCAL_DELAY_MS: '150', RUN_LOCK_MS: '2000', SHUTDOWN_GRACE_MS: '300', RECONCILE_INTERVAL_MS: '1000' },
    });
    try {
      const [victim, stopped] = stack.workers;
      const fleet = startFleet(stack, { clients: 30, messagesPerClient: 10, prefix: 'k' });
      await victim!.process.waitForLog((l) => l.message === 'run started');
      await stopped!.process.waitForLog((l) => l.message === 'run started');
      victim!.process.signal('SIGKILL');
      const exit = await stopped!.process.stop('SIGTERM');
      expect(exit.code).toBe(0);
      // Replace the capacity that was lost.
      await stack.addWorker();
      const clients = await fleet;
      await waitForFleet(clients, 120_000);
      const result = await verifyFleet(stack, clients);
      expect(result.runs).toBe(300);
      expect(result.completed).toBe(300);
      // The runs the killed worker held were taken over by others (a second attempt). That a resumed run starts
      // after its last checkpoint is shown deterministically in recovery.test.ts.
      expect(result.resumed).toBeGreaterThan(0);
      process.stdout.write(`fleet with faults: ${result.resumed} runs resumed by another worker\n`);
    } finally {
      await stack.stop();
    }
  });
});
