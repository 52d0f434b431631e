import { DescribeDBClusterParametersCommand, DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { auroraAuditLogging } from '../../src/aws';

const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'eu-west-1' });

beforeEach(() => rds.reset());

const cluster = (exports: string[]) => ({ DBClusters: [{ DBClusterIdentifier: 'orders-prod', DBClusterParameterGroup: 'orders-aurora-mysql8', EnabledCloudwatchLogsExports: exports }] });

describe('Aurora Advanced Auditing state from the cluster parameter group', () => {
  it('reads every page of the group and reports auditing on when logging is 1 and the audit log is exported', async () => {
    rds.on(DescribeDBClustersCommand).resolves(cluster(['audit', 'error']));
    rds
      .on(DescribeDBClusterParametersCommand, { DBClusterParameterGroupName: 'orders-aurora-mysql8', MaxRecords: 100 })
      .resolves({ Parameters: [{ ParameterName: 'autocommit', ParameterValue: '1' }], Marker: 'page-2' })
      .on(DescribeDBClusterParametersCommand, { DBClusterParameterGroupName: 'orders-aurora-mysql8', MaxRecords: 100, Marker: 'page-2' })
      .resolves({ Parameters: [{ ParameterName: 'server_audit_logging', ParameterValue: '1' }, { ParameterName: 'server_audit_events', ParameterValue: 'CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML' }] });
    expect(await auroraAuditLogging(client, 'orders-prod')).toEqual({
      enabled: true,
      detail: 'server_audit_logging on in orders-aurora-mysql8, events CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML, audit log exported to CloudWatch Logs',
    });
    expect(rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: 'orders-prod' }]);
    expect(rds.commandCalls(DescribeDBClusterParametersCommand).map((c) => c.args[0].input)).toEqual([
      { DBClusterParameterGroupName: 'orders-aurora-mysql8', MaxRecords: 100 },
      { DBClusterParameterGroupName: 'orders-aurora-mysql8', MaxRecords: 100, Marker: 'page-2' },
    ]);
  });

  it('says auditing is off when the parameter is unset, or on but not exported', async () => {
    rds.on(DescribeDBClustersCommand).resolves(cluster(['error']));
    rds.on(DescribeDBClusterParametersCommand).resolves({ Parameters: [] });
    expect(await auroraAuditLogging(client, 'orders-prod')).toEqual({ enabled: false, detail: 'server_audit_logging is not set (default off) in the cluster parameter group orders-aurora-mysql8' });
    rds.on(DescribeDBClusterParametersCommand).resolves({ Parameters: [{ ParameterName: 'server_audit_logging', ParameterValue: '1' }] });
    expect(await auroraAuditLogging(client, 'orders-prod')).toEqual({ enabled: false, detail: 'server_audit_logging is on in orders-aurora-mysql8, but the cluster does not export the audit log to CloudWatch Logs' });
  });

  it('answers unknown for a cluster RDS does not know, and passes other errors on', async () => {
    rds.on(DescribeDBClustersCommand).rejects(Object.assign(new Error('not found'), { name: 'DBClusterNotFoundFault' }));
    await expect(auroraAuditLogging(client, 'gone')).resolves.toBeUndefined();
    rds.on(DescribeDBClustersCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(auroraAuditLogging(client, 'orders-prod')).rejects.toThrow('denied');
  });
});
