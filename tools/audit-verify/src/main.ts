import { z } from 'zod';
import { dynamoEnv } from '@dbre/config';
import { loadConfigOrExit } from '@dbre/service-kit';
import { createAuditLog, createDynamo, createRequestRepository } from '@dbre/store';
import { verifyRequests } from './verify';

// `npm run audit:verify -- <requestId>`: recompute a request's hash chain and name the first broken link.
async function main(): Promise<number> {
  const config = loadConfigOrExit(z.object(dynamoEnv), process.env);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  try {
    const requests = createRequestRepository({ dynamo });
    return await verifyRequests(
      createAuditLog({ dynamo }),
      process.argv.slice(2),
      {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      },
      (id) => requests.get(id),
    );
  } finally {
    dynamo.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit-verify: ${(err as Error).message}`);
    process.exit(3);
  },
);
