import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { collectDefaultMetrics, registry } from '@netra/observability';

const root = process.cwd();
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Every series name the apps can export: each metric, plus `_bucket/_sum/_count` of histograms. */
async function exportedSeries(): Promise<Set<string>> {
  collectDefaultMetrics('test');
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(read('ops/grafana/dashboards/netra.json')) as { panels: Panel[] };

  it('queries only metrics the apps export (a renamed or removed metric fails here)', async () => {
    const exported = await exportedSeries();
    const unknown: string[] = [];
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        // Metric names in PromQL; label names and functions never start with `netra_`.
        for (const name of target.expr.match(/\bnetra_[a-z0-9_]+/g) ?? []) if (!exported.has(name)) unknown.push(`${panel.title}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('has the panels operators asked for', () => {
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const metric of ['netra_messages_accepted_total', 'netra_queue_jobs', 'netra_http_request_duration_seconds_bucket', 'netra_llm_cost_usd_total', 'netra_llm_fallbacks_total', 'netra_llm_breaker_state', 'netra_runs_finished_total']) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toContain('histogram_quantile(0.95');
  });
});

describe('compose stack files', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { volumes?: string[]; image?: string }> };

  it('runs Prometheus and Grafana next to the apps, with files that exist', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['gateway', 'worker', 'prometheus', 'grafana']));
    for (const service of ['prometheus', 'grafana']) {
      for (const volume of compose.services[service]?.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(path.join(root, source))).toBe(true);
      }
    }
  });

  it('Prometheus scrapes the gateway and every worker replica on their metrics ports', () => {
    const prometheus = parse(read('ops/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const jobs = Object.fromEntries(prometheus.scrape_configs.map((c) => [c.job_name, c]));
    expect(jobs['netra-gateway']?.static_configs?.[0]?.targets).toEqual(['gateway:3000']);
    expect(jobs['netra-worker']?.dns_sd_configs?.[0]).toMatchObject({ names: ['worker'], port: 9464 });
  });

  it('provisions the datasource and the dashboard folder Grafana loads', () => {
    const datasource = parse(read('ops/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string }[] };
    expect(datasource.datasources[0]).toMatchObject({ uid: 'netra-prometheus', url: 'http://prometheus:9090' });
    const provider = parse(read('ops/grafana/provisioning/dashboards/netra.yml')) as { providers: { options: { path: string } }[] };
    const mounted = compose.services.grafana?.volumes?.find((v) => v.startsWith('./ops/grafana/dashboards:'));
    expect(mounted?.split(':')[1]).toBe(provider.providers[0]?.options.path);
  });
});
