import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// What `npm start` promises: all seven services come up with /healthz and /readyz at 200 on the
// embedded defaults, and go down cleanly. Runs from source on shifted ports so it never meets
// a stack a developer has running.
describe('the local stack', () => {
  it('brings up the seven services ready, then stops them cleanly', async () => {
    const varDir = mkdtempSync(path.join(tmpdir(), 'dbre-stack-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../start.ts'), '--check', '--from-source', '--var', varDir], {
        cwd: path.resolve(__dirname, '../../..'),
        env: { ...process.env, DBRE_PORT_OFFSET: String(20_000 + Math.floor(Math.random() * 500) * 10) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const summary = output.split('\n').filter((l) => l.startsWith('[local-stack]') || l.startsWith('  ')).join('\n');
      expect({ code, summary }).toMatchObject({ code: 0 });
      expect(summary).toContain('all seven services are ready');
      expect(summary).toContain('stopped cleanly');
      for (const name of ['request-api', 'approval-api', 'schema-review', 'ops-dashboard', 'doc-crawler', 'provisioner', 'reaper']) {
        expect(summary).toMatch(new RegExp(`^  ${name} +http://127\\.0\\.0\\.1:\\d+`, 'm'));
      }
    } finally {
      rmSync(varDir, { recursive: true, force: true });
    }
  }, 120_000);
});
