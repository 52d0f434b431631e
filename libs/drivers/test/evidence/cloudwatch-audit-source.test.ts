import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { auroraAuditLogGroup, CloudWatchAuditSource } from '../../src/aws';

// Messages in the documented Advanced Auditing format:
// timestamp (Unix µs),serverhost,username,host,connectionid,queryid,operation,database,object,retcode
const user = 'jit_main_dave_k3x9';
const msg = {
  connect: `1764651600100000,prod-orders-1,${user},10.0.1.23,4711,0,CONNECT,,,0`,
  select: `1764651601200000,prod-orders-1,${user},10.0.1.23,4711,90001,QUERY,shop,'SELECT * FROM orders WHERE note = \\'a,b\\'',0`,
  update: `1764651602300000,prod-orders-1,${user},10.0.1.23,4711,90002,QUERY,shop,'UPDATE orders SET paid = 1 WHERE id = 7',0`,
  ddl: `1764651603400000,prod-orders-2,${user},10.0.1.23,4712,91000,QUERY,shop,'ALTER TABLE orders ADD INDEX (paid)',0`,
  disconnect: `1764651604500000,prod-orders-1,${user},10.0.1.23,4711,0,DISCONNECT,shop,,0`,
  // Another user's statement that mentions our user's name: matched by the filter, not ours.
  admin: `1764651601500000,prod-orders-1,admin,10.0.0.5,12,90010,QUERY,mysql,'DROP USER \\'${user}\\'',0`,
};
const ev = (id: string, stream: string, message: string) => ({ eventId: id, logStreamName: stream, message, timestamp: 0 });

describe('CloudWatch Logs audit source (Aurora Advanced Auditing)', () => {
  const makeMock = () => mockClient(CloudWatchLogsClient);
  let mock: ReturnType<typeof makeMock>;
  beforeAll(() => {
    mock = makeMock();
  });
  afterAll(() => mock.restore());
  beforeEach(() => mock.reset());

  it('filters the cluster audit log group page by page and keeps only the user', async () => {
    mock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [ev('e3', 'prod-orders-1', msg.update), ev('e1', 'prod-orders-1', msg.connect)], nextToken: 'p2' })
      // An empty page with a token: the search is not over.
      .resolvesOnce({ events: [], nextToken: 'p3' })
      .resolvesOnce({ events: [ev('e2', 'prod-orders-1', msg.select), ev('e9', 'prod-orders-1', msg.admin), ev('e4', 'prod-orders-2', msg.ddl), ev('e5', 'prod-orders-1', msg.disconnect)] });
    const regions: string[] = [];
    const source = new CloudWatchAuditSource(
      (region) => {
        regions.push(region);
        return new CloudWatchLogsClient({ region });
      },
      { region: 'eu-west-1', regionOf: () => 'ap-northeast-1', clusterIdentifierOf: () => 'prod-orders' },
    );
    const result = await source.records({ clusterId: 'orders', user, from: new Date('2025-12-02T05:00:00.000Z'), to: new Date('2025-12-02T05:10:00.000Z') });

    expect(regions).toEqual(['ap-northeast-1']);
    const base = { logGroupName: '/aws/rds/cluster/prod-orders/audit', startTime: Date.parse('2025-12-02T04:59:59.000Z'), endTime: Date.parse('2025-12-02T05:10:01.000Z'), filterPattern: `"${user}"` };
    expect(mock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input)).toEqual([base, { ...base, nextToken: 'p2' }, { ...base, nextToken: 'p3' }]);
    expect(result.source).toBe('aurora-advanced-auditing:/aws/rds/cluster/prod-orders/audit');
    expect(result.records.map((r) => [r.at, r.server, r.connectionId, r.kind, r.statement ?? ''])).toEqual([
      ['2025-12-02T05:00:00.100Z', 'prod-orders-1', 4711, 'connect', ''],
      ['2025-12-02T05:00:01.200Z', 'prod-orders-1', 4711, 'query', "SELECT * FROM orders WHERE note = 'a,b'"],
      ['2025-12-02T05:00:02.300Z', 'prod-orders-1', 4711, 'query', 'UPDATE orders SET paid = 1 WHERE id = 7'],
      ['2025-12-02T05:00:03.400Z', 'prod-orders-2', 4712, 'query', 'ALTER TABLE orders ADD INDEX (paid)'],
      ['2025-12-02T05:00:04.500Z', 'prod-orders-1', 4711, 'disconnect', ''],
    ]);
  });

  it("keeps a session's DISCONNECT after its last statement even when it is stamped earlier", async () => {
    // A statement logged with a later time than the DISCONNECT that follows it (a long UPDATE; Aurora's exact
    // stamping is not documented): the connection cannot act after it ended.
    const longUpdate = `1764651605000000,prod-orders-1,${user},10.0.1.23,4711,90003,QUERY,shop,'UPDATE orders SET paid = 0',0`;
    mock.on(FilterLogEventsCommand).resolvesOnce({ events: [ev('e1', 'prod-orders-1', msg.connect), ev('e5', 'prod-orders-1', msg.disconnect), ev('e6', 'prod-orders-1', longUpdate)] });
    const source = new CloudWatchAuditSource((region) => new CloudWatchLogsClient({ region }), { region: 'eu-west-1', clusterIdentifierOf: () => 'prod-orders' });
    const result = await source.records({ clusterId: 'orders', user, from: new Date('2025-12-02T05:00:00.000Z'), to: new Date('2025-12-02T05:10:00.000Z') });
    expect(result.records.map((r) => [r.at, r.kind, r.statement ?? ''])).toEqual([
      ['2025-12-02T05:00:00.100Z', 'connect', ''],
      ['2025-12-02T05:00:05.000Z', 'query', 'UPDATE orders SET paid = 0'],
      ['2025-12-02T05:00:05.000Z', 'disconnect', ''],
    ]);
  });

  it('names the log group Aurora publishes to and refuses a user name that could widen the filter', async () => {
    expect(auroraAuditLogGroup('prod-orders')).toBe('/aws/rds/cluster/prod-orders/audit');
    const source = new CloudWatchAuditSource((region) => new CloudWatchLogsClient({ region }), { region: 'eu-west-1' });
    await expect(source.records({ clusterId: 'orders', user: 'x" ?admin', from: new Date(), to: new Date() })).rejects.toThrow('refused audit user name');
    expect(mock).toHaveReceivedCommandTimes(FilterLogEventsCommand, 0);
  });
});
