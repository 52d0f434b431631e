import { DescribeEngineDefaultClusterParametersCommand, DescribeEngineDefaultParametersCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { baselineFor, differsFromBaseline, loadRdsEngineDefaults } from '../src';

describe('RDS engine defaults as the parameter baseline', () => {
  const rds = mockClient(RDSClient);
  afterEach(() => rds.reset());

  it('merges instance and cluster defaults across pages and matches Aurora MySQL 3 servers', async () => {
    rds
      .on(DescribeEngineDefaultParametersCommand, { Marker: undefined })
      .resolves({ EngineDefaults: { Parameters: [{ ParameterName: 'max_connections', ParameterValue: '{DBInstanceClassMemory/12582880}' }, { ParameterName: 'long_query_time', ParameterValue: '10', Description: 'Queries slower than this are slow.' }], Marker: 'p2' } })
      .on(DescribeEngineDefaultParametersCommand, { Marker: 'p2' })
      .resolves({ EngineDefaults: { Parameters: [{ ParameterName: 'autocommit', ParameterValue: '1' }, { ParameterName: 'no_value' }] } })
      .on(DescribeEngineDefaultClusterParametersCommand)
      .resolves({ EngineDefaults: { Parameters: [{ ParameterName: 'binlog_format', ParameterValue: 'OFF' }] } });
    const baseline = await loadRdsEngineDefaults(new RDSClient({ region: 'ap-northeast-1' }), 'aurora-mysql8.0');
    expect(baseline).toEqual({
      id: 'aurora-mysql8.0',
      flavor: 'mysql',
      version: '8.0',
      source: 'RDS engine defaults of aurora-mysql8.0',
      values: { autocommit: '1', binlog_format: 'OFF', long_query_time: '10' },
      descriptions: { long_query_time: 'Queries slower than this are slow.' },
    });
    expect(rds.commandCalls(DescribeEngineDefaultParametersCommand)[0]!.args[0].input).toMatchObject({ DBParameterGroupFamily: 'aurora-mysql8.0' });
    expect(baselineFor('8.0.32', [baseline])).toBe(baseline);
    expect(differsFromBaseline(baseline, 'long_query_time', '10.000000')).toBe(false);
    expect(differsFromBaseline(baseline, 'max_connections', '2000')).toBeUndefined();
    // RDS spells booleans 1/0 where SHOW VARIABLES says ON/OFF.
    expect(differsFromBaseline(baseline, 'autocommit', 'ON')).toBe(false);
  });
});
