import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SLACK_REVIEWS_PREFIX, slackEnv } from '@dbre/slack';

const root = path.join(__dirname, '../../..');
const manifest = parse(readFileSync(path.join(__dirname, '../manifest.yaml'), 'utf8')) as {
  features: { slash_commands: Array<{ command: string; url: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string } };
};

/** The bot scope each Web API method the platform calls needs. */
const SCOPE_OF: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'views.open': 'commands',
  'views.update': 'commands',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'usergroups.users.list': 'usergroups:read',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('the Slack app manifest', () => {
  it('declares the slash command the services answer, at the routes they serve', () => {
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe(slackEnv.SLACK_COMMAND.parse(undefined));
    expect(new URL(command!.url).pathname).toBe('/slack/commands');
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/slack/interactions');
  });

  it('sends /schema-review to schema-review, under the prefix the ALB routes to it', () => {
    const review = manifest.features.slash_commands.find((c) => c.command === '/schema-review');
    expect(new URL(review!.url).pathname).toBe(`${SLACK_REVIEWS_PREFIX}/commands`);
    expect(new URL(review!.url).origin).toBe(new URL(manifest.features.slash_commands[0]!.url).origin);
  });

  it('asks for every scope the code needs (users:read.email for the DB user name)', () => {
    const files = [...sources(path.join(root, 'libs/slack/src')), ...sources(path.join(root, 'apps/request-api/src/slack')), ...sources(path.join(root, 'apps/approval-api/src/slack')), ...sources(path.join(root, 'apps/schema-review/src/slack'))];
    const called = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?:client|ui)\.(chat|views|users|usergroups)\.(\w+(?:\.\w+)?)\(/g)].map((m) => `${m[1]}.${m[2]}`)));
    expect([...called].sort()).toEqual(Object.keys(SCOPE_OF).sort());
    for (const method of called) expect(manifest.oauth_config.scopes.bot).toContain(SCOPE_OF[method]);
    expect(manifest.oauth_config.scopes.bot).toContain('users:read.email');
  });
});
