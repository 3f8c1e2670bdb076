/**
 * `GET /metrics` as Prometheus's own checker reads it (`promtool check metrics`): every series has its help,
 * and `_total` ends a counter's name and no other's. prom-client's defaults once carried three gauges named
 * `*_total`, which promtool refuses.
 */
import { Inbox } from './support/inbox';

/** promtool's naming rules, over an exposition in the text format: one line per problem. */
function namingProblems(exposition: string): string[] {
  const problems: string[] = [];
  const described = new Set<string>();
  for (const line of exposition.split('\n')) {
    const help = /^# HELP (\S+) \S/.exec(line);
    if (help) described.add(help[1]);
    const declared = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!declared) continue;
    const [, name, type] = declared;
    if (!described.has(name)) problems.push(`${name}: no help text`);
    if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: a counter's name ends in _total`);
    if (type !== 'counter' && name.endsWith('_total')) problems.push(`${name}: a ${type} named as a counter (_total)`);
  }
  return problems;
}

describe('GET /metrics', () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await Inbox.start();
  });
  afterAll(async () => {
    await inbox.stop();
  });

  it('names its series as promtool requires: _total on counters only, each with its help', async () => {
    const response = await inbox.request<string>('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
    expect(response.body).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(namingProblems(response.body)).toEqual([]);
  });

  it('its naming check finds a gauge named as a counter', () => {
    const gauge =
      '# HELP nodejs_active_handles_total Total number of active handles.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 7\n';
    expect(namingProblems(gauge)).toEqual(['nodejs_active_handles_total: a gauge named as a counter (_total)']);
  });
});
