import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { captureLogger, startTestDynamo } from '@dbre/testing';
import { createOutboxNotifier, localTableName } from '../src';

describe('the local outbox notifier', () => {
  let env: Awaited<ReturnType<typeof startTestDynamo>>;
  beforeAll(async () => {
    env = await startTestDynamo();
  });
  afterAll(() => env.close());

  it('logs and lists plain messages, newest first, sending twice is harmless', async () => {
    const { logger, text } = captureLogger();
    const outbox = await createOutboxNotifier({ dynamo: env.dynamo, key: randomBytes(32), logger });
    await outbox.send({ id: 'approved-r1', kind: 'approved', to: 'ann@example.com', text: 'Your request r1 was approved.', requestId: 'r1' });
    await outbox.send({ id: 'approved-r1', kind: 'approved', to: 'ann@example.com', text: 'Your request r1 was approved.', requestId: 'r1' });
    await new Promise((r) => setTimeout(r, 5));
    await outbox.send({ id: 'warned-r1', kind: 'warning', to: 'ann@example.com', text: 'Ten minutes left.', requestId: 'r1' });
    const list = await outbox.list('ann@example.com');
    expect(list.map((m) => m.id)).toEqual(['warned-r1', 'approved-r1']);
    expect(text()).toContain('Your request r1 was approved.');
    expect(await outbox.list('bob@example.com')).toEqual([]);
  });

  it('keeps a credentials text out of logs and listings and lets only its recipient open it once', async () => {
    const { logger, text } = captureLogger();
    const outbox = await createOutboxNotifier({ dynamo: env.dynamo, key: randomBytes(32), logger });
    const secret = 'password: Zx9-very-secret-Q';
    await outbox.send({ id: 'credentials-r2', kind: 'credentials', to: 'cat@example.com', text: secret, requestId: 'r2', sensitive: true });
    expect(text()).not.toContain('very-secret');
    const raw = await env.dynamo.doc.send(new ScanCommand({ TableName: localTableName(env.dynamo, 'outbox') }));
    expect(JSON.stringify(raw.Items)).not.toContain('very-secret');
    const [listed] = await outbox.list('cat@example.com');
    expect(listed?.text).not.toContain('very-secret');

    await expect(outbox.open('credentials-r2', 'mallory@example.com')).rejects.toMatchObject({ code: 'OUTBOX_NOT_RECIPIENT', kind: 'forbidden' });
    const opened = await outbox.open('credentials-r2', 'cat@example.com');
    expect(opened.text).toBe(secret);
    await expect(outbox.open('credentials-r2', 'cat@example.com')).rejects.toMatchObject({ code: 'OUTBOX_ALREADY_OPENED', kind: 'conflict' });
    // A retried send must not re-arm an opened message.
    await outbox.send({ id: 'credentials-r2', kind: 'credentials', to: 'cat@example.com', text: secret, requestId: 'r2', sensitive: true });
    await expect(outbox.open('credentials-r2', 'cat@example.com')).rejects.toMatchObject({ code: 'OUTBOX_ALREADY_OPENED' });
    await expect(outbox.open('nope', 'cat@example.com')).rejects.toMatchObject({ code: 'OUTBOX_MESSAGE_NOT_FOUND' });
  });
});
