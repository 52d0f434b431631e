import { randomBytes } from 'node:crypto';
import { captureLogger, startTestDynamo } from '@dbre/testing';
import { createOutboxNotifier } from '../../src/local/outbox-notifier';
import { describeNotifierContract } from './contracts';

// The Notifier has no AWS implementation (Slack is the production one, in libs/slack).
describeNotifierContract('local outbox notifier', async () => {
  const env = await startTestDynamo();
  const outbox = await createOutboxNotifier({ dynamo: env.dynamo, key: randomBytes(32), logger: captureLogger().logger });
  return {
    notifier: outbox,
    deliveries: async (id) => (await outbox.list('U0CONTRACT', 100)).filter((m) => m.id === id).length,
    dispose: () => env.close(),
  };
});
