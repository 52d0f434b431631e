import { z } from 'zod';
import { dynamoEnv } from '@dbre/config';
import { REQUEST_STATES } from '@dbre/domain';
import { checkDrivers, createFolderEvidenceStore, driversEnv, selectDrivers } from '@dbre/drivers';
import { loadConfigOrExit } from '@dbre/service-kit';
import { createDynamo, createRequestRepository } from '@dbre/store';
import { verifyRequests } from './verify';

// `npm run audit:verify -- <requestId>... | --all`: chains, sealed evidence and anchors; names every problem.
async function main(): Promise<number> {
  const config = loadConfigOrExit(z.object({ ...dynamoEnv, ...driversEnv }).superRefine(checkDrivers(['evidence'])), process.env);
  const dynamo = createDynamo({ endpoint: config.DYNAMO_ENDPOINT, region: config.AWS_REGION, tablePrefix: config.TABLE_PREFIX });
  try {
    const requests = createRequestRepository({ dynamo });
    const { evidence } = await selectDrivers(config, ['evidence'], { evidence: () => createFolderEvidenceStore({ root: config.EVIDENCE_DIR }) });
    const listIds = async () => {
      const ids: string[] = [];
      for (const state of REQUEST_STATES) {
        let cursor: string | undefined;
        do {
          const page = await requests.listByState(state, cursor ? { cursor } : {});
          ids.push(...page.items.map((r) => r.id));
          cursor = page.cursor;
        } while (cursor);
      }
      return ids;
    };
    return await verifyRequests(
      { chainOf: (id) => requests.auditEvents(id), store: evidence, listIds },
      process.argv.slice(2),
      {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      },
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
