import { isGrantRefusal } from '../src/provision';

// Which server errors end a provisioning at once (the database refused the GRANT: the same on every retry) and
// which are retried (the server or the connection failed). Errors as mysql2 gives them: errno, sqlState.

describe('a failed GRANT: refused for good, or worth retrying', () => {
  it.each([
    [1044, '42000', 'access denied to the database'],
    [1045, '28000', 'access denied for the admin'],
    [1142, '42000', 'table command denied'],
    [1143, '42000', 'column command denied'],
    [1227, '42000', 'needs a privilege the admin lacks'],
    [1370, '42000', 'routine command denied'],
    [1410, '42000', 'not allowed to create a user with GRANT'],
  ])('errno %i (%s, %s) is a refusal', (errno, sqlState) => {
    expect(isGrantRefusal({ errno, sqlState })).toBe(true);
    // The errno alone decides, whatever the SQLSTATE says.
    expect(isGrantRefusal({ errno, sqlState: 'HY000' })).toBe(true);
  });

  it('another error of SQLSTATE 42000 (syntax or access rule) is a refusal too', () => {
    expect(isGrantRefusal({ errno: 1064, sqlState: '42000' })).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ errno: 2013, sqlState: 'HY000' }, 'lost connection during the GRANT'],
    [{ errno: 1205, sqlState: 'HY000' }, 'lock wait timeout'],
    [{ errno: 1213, sqlState: '40001' }, 'deadlock'],
    [{ code: 'ECONNRESET' }, 'a socket error without errno'],
    [{ errno: '1044', sqlState: '4200' }, 'an errno that is not a number'],
    [undefined, 'no cause at all'],
  ])('%j is retried (%s)', (cause) => {
    expect(isGrantRefusal(cause)).toBe(false);
  });
});
