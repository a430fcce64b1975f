/**
 * V8 flags a Netra process needs on its `node` command line: heap sizes are fixed when V8 sets its heap up, so
 * they cannot come from the configuration the process loads itself. Launchers (`npm start`, the benchmarks) pass
 * these; `npm run gateway` and the Docker image pass the defaults, and the gateway warns when what it runs with
 * differs from its configuration (`nodeFlagsMissing`).
 */

/**
 * The gateway's young generation fixed at `semiSpaceMb` MB per semi-space (GATEWAY_SEMI_SPACE_MB; 0: V8's own
 * sizing, no flags). V8 shrinks a young generation to 1 MB when a process allocates slowly (a gateway holding idle
 * sockets) and grows it back only when many objects survive collections, which frame traffic never makes: a
 * gateway that has been idle then scavenges every ~1 MB of allocation for the rest of its life.
 */
export function gatewayNodeFlags(semiSpaceMb: number): string[] {
  if (semiSpaceMb === 0) return [];
  return [`--min-semi-space-size=${semiSpaceMb}`, `--max-semi-space-size=${semiSpaceMb}`];
}

/** The flags of `wanted` that `execArgv` (the running process's) lacks or sets otherwise; empty when all are there. */
export function nodeFlagsMissing(wanted: readonly string[], execArgv: readonly string[]): string[] {
  const given = new Map<string, string>();
  for (const arg of execArgv) {
    const eq = arg.indexOf('=');
    // V8 accepts `_` for `-` in flag names.
    if (eq > 0) given.set(arg.slice(0, eq).replaceAll('_', '-'), arg.slice(eq + 1));
  }
  return wanted.filter((flag) => {
    const eq = flag.indexOf('=');
    return given.get(flag.slice(0, eq)) !== flag.slice(eq + 1);
  });
}
