import { DescribeSessionsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { listBastionSessions } from '../../src/aws';

describe('SSM sessions of a bastion (evidence on AWS)', () => {
  const makeMock = () => mockClient(SSMClient);
  let mock: ReturnType<typeof makeMock>;
  beforeAll(() => {
    mock = makeMock();
  });
  afterAll(() => mock.restore());
  beforeEach(() => mock.reset());

  it('lists finished then active sessions on the instance, every page, sorted by start', async () => {
    mock
      .on(DescribeSessionsCommand, { State: 'History' })
      .resolvesOnce({ Sessions: [{ SessionId: 'dave-0b2', Target: 'i-0abc12345678', Owner: 'arn:aws:sts::1:assumed-role/dbre/dave', Status: 'Terminated', StartDate: new Date('2026-12-02T05:10:00Z'), EndDate: new Date('2026-12-02T05:20:00Z') }], NextToken: 'n1' })
      .resolvesOnce({ Sessions: [{ SessionId: 'dave-0a1', Target: 'i-0abc12345678', Status: 'Terminated', StartDate: new Date('2026-12-02T05:01:00Z'), EndDate: new Date('2026-12-02T05:05:00Z') }] });
    mock.on(DescribeSessionsCommand, { State: 'Active' }).resolves({ Sessions: [] });
    await expect(listBastionSessions(new SSMClient({ region: 'eu-west-1' }), 'i-0abc12345678')).resolves.toEqual([
      { sessionId: 'dave-0a1', target: 'i-0abc12345678', status: 'Terminated', startedAt: '2026-12-02T05:01:00.000Z', endedAt: '2026-12-02T05:05:00.000Z' },
      { sessionId: 'dave-0b2', target: 'i-0abc12345678', owner: 'arn:aws:sts::1:assumed-role/dbre/dave', status: 'Terminated', startedAt: '2026-12-02T05:10:00.000Z', endedAt: '2026-12-02T05:20:00.000Z' },
    ]);
    const filter = [{ key: 'Target', value: 'i-0abc12345678' }];
    expect(mock.commandCalls(DescribeSessionsCommand).map((c) => c.args[0].input)).toEqual([
      { State: 'History', Filters: filter },
      { State: 'History', Filters: filter, NextToken: 'n1' },
      { State: 'Active', Filters: filter },
    ]);
  });

  it('refuses something that is not an instance id', async () => {
    await expect(listBastionSessions(new SSMClient({ region: 'eu-west-1' }), 'fwd-1')).rejects.toThrow('refused bastion instance id');
    expect(mock).toHaveReceivedCommandTimes(DescribeSessionsCommand, 0);
  });
});
