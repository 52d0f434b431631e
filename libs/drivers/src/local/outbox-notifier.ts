import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AppError, type Logger } from '@dbre/service-kit';
import type { Dynamo } from '@dbre/store';
import type { Notification, Notifier } from '../ports';
import { localTableName } from './local-tables';
import { seal, unseal, type Sealed } from './secret-store';

/** What the outbox shows: a sensitive text is never listed, only opened once by its recipient. */
export interface OutboxMessage {
  id: string;
  kind: string;
  to: string;
  requestId?: string;
  text: string;
  sensitive: boolean;
  /** Sensitive only: when the recipient opened it (after that the text is gone). */
  openedAt?: string;
  createdAt: string;
  data?: Record<string, unknown>;
}

export interface LocalOutbox extends Notifier {
  /** Newest first. */
  list(to: string, limit?: number): Promise<OutboxMessage[]>;
  get(id: string): Promise<OutboxMessage | undefined>;
  /**
   * Returns the full text of a message to its recipient. A sensitive message can be opened
   * exactly once: its ciphertext is removed in the same conditional write.
   */
  open(id: string, actor: string): Promise<OutboxMessage>;
}

const SEALED_PLACEHOLDER = 'This message carries credentials: its recipient can open it once (POST /v1/outbox/{id}/open).';

interface Item {
  id: string;
  kind: string;
  to: string;
  requestId?: string;
  text?: string;
  iv?: string;
  ciphertext?: string;
  tag?: string;
  sensitive: boolean;
  openedAt?: string;
  createdAt: string;
  data?: Record<string, unknown>;
}

function view(item: Item, text: string): OutboxMessage {
  return {
    id: item.id,
    kind: item.kind,
    to: item.to,
    text,
    sensitive: item.sensitive,
    createdAt: item.createdAt,
    ...(item.requestId ? { requestId: item.requestId } : {}),
    ...(item.openedAt ? { openedAt: item.openedAt } : {}),
    ...(item.data ? { data: item.data } : {}),
  };
}

/**
 * Local Notifier: a log line (never the text of a sensitive message) and an outbox item.
 * Sensitive texts are stored AES-256-GCM encrypted with the secret-store key and can be opened
 * once by their recipient; sending the same id twice is harmless and never re-arms an opened one.
 */
export async function createOutboxNotifier(deps: { dynamo: Dynamo; key: Buffer; logger: Logger; now?: () => Date }): Promise<LocalOutbox> {
  const table = localTableName(deps.dynamo, 'outbox');
  const { doc } = deps.dynamo;
  const now = deps.now ?? (() => new Date());

  async function getItem(id: string): Promise<Item | undefined> {
    const out = await doc.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }));
    return out.Item as Item | undefined;
  }

  const notFound = (id: string) => new AppError('OUTBOX_MESSAGE_NOT_FOUND', 'not_found', `No outbox message ${id}.`);

  return {
    async send(n: Notification) {
      const sensitive = n.sensitive === true;
      const item: Item = {
        id: n.id,
        kind: n.kind,
        to: n.to,
        sensitive,
        createdAt: now().toISOString(),
        ...(n.requestId ? { requestId: n.requestId } : {}),
        ...(n.data ? { data: n.data } : {}),
        ...(sensitive ? seal(deps.key, n.text, n.id) : { text: n.text }),
      };
      try {
        await doc.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(id)' }));
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return; // already sent
        throw err;
      }
      deps.logger.info(
        { notificationId: n.id, kind: n.kind, to: n.to, requestId: n.requestId, sensitive, ...(sensitive ? {} : { text: n.text }) },
        sensitive ? 'notification queued in the outbox (sensitive text withheld)' : 'notification queued in the outbox',
      );
    },

    async list(to: string, limit = 50) {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'by-recipient',
          KeyConditionExpression: '#to = :to',
          ExpressionAttributeNames: { '#to': 'to' },
          ExpressionAttributeValues: { ':to': to },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return ((out.Items ?? []) as Item[]).map((i) => view(i, i.sensitive ? SEALED_PLACEHOLDER : (i.text ?? '')));
    },

    async get(id: string) {
      const item = await getItem(id);
      return item ? view(item, item.sensitive ? SEALED_PLACEHOLDER : (item.text ?? '')) : undefined;
    },

    async open(id: string, actor: string) {
      const item = await getItem(id);
      if (!item) throw notFound(id);
      if (item.to !== actor) throw new AppError('OUTBOX_NOT_RECIPIENT', 'forbidden', `Only the recipient of message ${id} can open it.`);
      if (!item.sensitive) return view(item, item.text ?? '');
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { id },
            UpdateExpression: 'REMOVE iv, ciphertext, tag SET openedAt = :at',
            ConditionExpression: 'attribute_exists(ciphertext) AND #to = :actor',
            ExpressionAttributeNames: { '#to': 'to' },
            ExpressionAttributeValues: { ':at': now().toISOString(), ':actor': actor },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const old = out.Attributes as Item;
        const text = unseal(deps.key, old as unknown as Sealed, id);
        deps.logger.info({ notificationId: id, to: actor }, 'sensitive outbox message opened by its recipient');
        return { ...view(old, text), openedAt: now().toISOString() };
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) {
          throw new AppError('OUTBOX_ALREADY_OPENED', 'conflict', `Message ${id} carried credentials and was already opened; it cannot be shown again.`);
        }
        throw err;
      }
    },
  };
}
