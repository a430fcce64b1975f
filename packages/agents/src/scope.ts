import type { Scope } from '@netra/contracts';
import { querySql, sql, type Db } from '@netra/db';
import { canonicalModel, type UsageFilter } from '@netra/usage';

/** The app under which Netra records its own LLM calls: left out of analyses unless a question names it. */
export const NETRA_APP = 'netra';

/** The names a workspace's usage data holds: what a question's names are matched against. */
export interface WorkspaceNames {
  apps: string[];
  models: string[];
  /** Metadata dimension values seen recently, per key (USAGE_DIMENSIONS). */
  dimensions: Record<string, string[]>;
}

/**
 * Apps and models of the last 400 days from the daily rollups (a row per day and workload: bounded by time, not by
 * events), dimension values of the last 90 days (at most 500 per key).
 */
export async function workspaceNames(db: Db, userId: string): Promise<WorkspaceNames> {
  const [workloads, values] = await Promise.all([
    // The longest window is 366 days: older workloads cannot be in one.
    querySql<{ app: string; model: string }>(db, sql('scope_workloads', { usageRead: true })`SELECT DISTINCT app, model FROM usage_rollups WHERE user_id = ${userId}::uuid AND day >= (now() AT TIME ZONE 'UTC')::date - 400`),
    querySql<{ key: string; value: string }>(
      db,
      sql('scope_dimension_values', { usageRead: true })`
        SELECT key, value FROM (
          SELECT key, value, row_number() OVER (PARTITION BY key ORDER BY sum(requests) DESC, value) AS r
            FROM usage_dimension_rollups
           WHERE user_id = ${userId}::uuid AND day >= (now() AT TIME ZONE 'UTC')::date - 90
           GROUP BY key, value) AS v
         WHERE r <= 500`,
    ),
  ]);
  const dimensions: Record<string, string[]> = {};
  for (const { key, value } of values) (dimensions[key] ??= []).push(value);
  return {
    apps: [...new Set(workloads.map((w) => w.app))].sort(),
    models: [...new Set(workloads.map((w) => w.model))].sort(),
    dimensions,
  };
}

/** Lower case, separators (`-`, `_`, `.`, `/`, spaces) as single spaces: "Support_Chat" ≈ "support-chat". */
export function normalise(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

const MODEL_LIKE = /\b(gpt-[\w.-]+|o\d(?:-[\w.-]+)?|claude-[\w.-]+|gemini-[\w.-]+|llama-?[\w.-]*|mistral-[\w.-]+|deepseek-[\w.-]+|command-[\w.-]+|qwen[\w.-]*)\b/gi;
/** "app X", "the X app", `X` in quotes or backticks, and dashed identifiers: names a question may be about. */
const NAME_LIKE = [
  /\b(?:app|application|service|feature|workload)\s+[`"']?([a-z0-9][\w.-]*[a-z0-9])[`"']?/gi,
  /\b(?:the|for|of|in|on)\s+[`"']?([a-z0-9][\w.-]*[a-z0-9])[`"']?\s+(?:app|application|service|workload)\b/gi,
  /[`"']([a-z0-9][\w.-]{1,62}[a-z0-9])[`"']/gi,
  // An identifier-looking word (dashed or underscored) where a subject stands: "latency for billing-bot", "does
  // billing-bot cost", "billing-bot's errors".
  /\b(?:for|of|in|on|from|by|does|do|did|is|are|was|about|with)\s+(?:the\s+)?([a-z][a-z0-9]*(?:[-_][a-z0-9]+)+)\b/gi,
  /\b([a-z][a-z0-9]*(?:[-_][a-z0-9]+)+)(?:'s)?\s+(?:cost|costs|spend|spends|latency|errors?|usage|traffic|app|calls|requests)\b/gi,
];
/** Words that look like names but are not (metrics, units, time). */
const NOT_A_NAME = new Set(['p50', 'p95', 'p99', 'ttft', 'last', 'this', 'that', 'cost', 'latency', 'errors', 'error', 'traffic', 'model', 'models', 'my', 'our', 'all', 'each', 'every', 'which', 'what', 'llm', 'rate', 'app', 'apps', 'usage', 'self-hosted', 'real-time', 'follow-up', 'rate-limit', 'rate-limits', 'week-over-week', 'month-over-month', 'day-over-day', 'e-mail', 'open-source', 'time-to-first-token', 'per-token', 'long-running', 'long-term', 'short-term', 'high-volume', 'low-latency', 'cost-effective', 'end-to-end', 'day-to-day', 'year-over-year', 'first-token', 'non-streaming']);
const DIMENSION_WORDS: Record<string, string[]> = { team: ['team', 'teams'], user: ['user', 'users', 'customer', 'customers'], feature: ['feature', 'features'] };

/**
 * What a question is about, matched against the workspace's own names: apps and models (case, separators and
 * dated model names ignored: "gpt-4o" matches "gpt-4o-2024-08-06"; the longest name wins, so "gpt-4o-mini" is not
 * also "gpt-4o"), metadata values ("team search"), and the names it uses that the workspace does not have.
 * `catalogModels` are models Netra knows without data (a comparison may name them).
 */
export function resolveScope(text: string, names: WorkspaceNames, catalogModels: readonly string[] = [], providerOf: ReadonlyMap<string, string> = new Map()): Scope {
  let rest = normalise(text);
  const take = (candidate: string): boolean => {
    const n = normalise(candidate);
    if (n.trim().length === 0 || !rest.includes(n)) return false;
    rest = rest.replace(n, ' ');
    return true;
  };
  // Longest names first: "gpt 4o mini" before "gpt 4o", "support chat v2" before "support chat".
  const byLength = (xs: readonly string[]) => [...xs].sort((a, b) => normalise(b).length - normalise(a).length);
  const models = new Set<string>();
  const families = new Map<string, string[]>();
  for (const m of names.models) {
    const family = canonicalModel(m);
    families.set(family, [...(families.get(family) ?? []), m]);
  }
  for (const m of byLength([...names.models, ...families.keys()])) {
    if (!take(m)) continue;
    for (const member of families.get(m) ?? [m]) models.add(member);
  }
  const apps = byLength(names.apps).filter((a) => take(a));
  // A provider named ("our anthropic spend") stands for its models in the workspace.
  const providers: string[] = [];
  for (const provider of new Set(providerOf.values())) {
    if (!take(provider)) continue;
    providers.push(provider);
    for (const m of names.models) if (providerOf.get(canonicalModel(m)) === provider) models.add(m);
  }
  const dimensions: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(names.dimensions)) {
    const words = DIMENSION_WORDS[key] ?? [key];
    for (const value of byLength(values)) {
      // "team search" / "search team" / "for the search team": the key's word must be next to the value.
      const v = normalise(value).trim();
      const near = words.some((w) => rest.includes(` ${w} ${v} `) || rest.includes(` ${v} ${w} `));
      if (near && take(value)) (dimensions[key] ??= []).push(value);
    }
  }

  // What is left that names something the workspace does not have.
  const unknown = new Set<string>();
  const known = new Set([...names.apps, ...names.models, ...Object.values(names.dimensions).flat()].map((x) => normalise(x)));
  const catalog = new Set(catalogModels.map((m) => normalise(canonicalModel(m))));
  for (const match of text.matchAll(MODEL_LIKE)) {
    const name = match[1]!.toLowerCase();
    const n = normalise(name);
    if (!rest.includes(n) || known.has(n) || known.has(normalise(canonicalModel(name)))) continue;
    if (catalog.has(normalise(canonicalModel(name)))) continue; // a catalog model: comparable, not unknown
    unknown.add(name);
  }
  for (const [i, re] of NAME_LIKE.entries()) {
    for (const match of text.matchAll(re)) {
      const name = match[1]!;
      const n = normalise(name);
      // Only identifier-looking words (a dash, underscore or digit) count, or anything quoted: "the main app" is
      // English, "the billing-bot app" a name.
      const quoted = i === 2;
      if (!quoted && !/[-_\d]/.test(name)) continue;
      if (NOT_A_NAME.has(name.toLowerCase()) || /^\d/.test(name) || !rest.includes(n) || known.has(n)) continue;
      if (catalog.has(normalise(canonicalModel(name))) || MODEL_LIKE.test(name)) {
        MODEL_LIKE.lastIndex = 0;
        continue;
      }
      MODEL_LIKE.lastIndex = 0;
      unknown.add(name);
    }
  }
  return {
    apps,
    models: [...models].sort(),
    dimensions,
    ...(providers.length > 0 ? { providers } : {}),
    ...(unknown.size > 0 ? { unknown: [...unknown] } : {}),
  };
}

/** Models a question names that the workspace does not use but the catalog prices (for comparisons). */
export function catalogModelsNamed(text: string, names: WorkspaceNames, catalogModels: readonly string[]): string[] {
  const used = new Set(names.models.map((m) => canonicalModel(m)));
  const out: string[] = [];
  const n = normalise(text);
  for (const m of [...catalogModels].sort((a, b) => b.length - a.length)) {
    if (used.has(canonicalModel(m)) || out.some((o) => normalise(o).includes(normalise(m)))) continue;
    if (n.includes(normalise(m))) out.push(m);
  }
  return out;
}

/** The filter the tools apply for a scope: Netra's own app is left out unless the question named it. */
/** The scope of a question that names nothing: everything (but Netra's own calls). */
export const EVERYTHING: Scope = { apps: [], models: [], dimensions: {} };

export function filterOf(scope: Scope = EVERYTHING): UsageFilter {
  const [dimension] = Object.entries(scope.dimensions).filter(([, values]) => values.length > 0);
  return {
    apps: scope.apps.length > 0 ? scope.apps : null,
    models: scope.models.length > 0 ? scope.models : null,
    excludeApps: scope.apps.includes(NETRA_APP) ? [] : [NETRA_APP],
    dimension: dimension ? { key: dimension[0], values: dimension[1] } : null,
  };
}
