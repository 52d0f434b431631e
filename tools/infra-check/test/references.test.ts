import { outputProblems, referenceProblems } from '../src/references';
import { infra } from './helpers';

describe('infra/: references resolve (a stand-in for terraform validate)', () => {
  it('declares every variable, local, module, data source and resource it references', async () => {
    expect(referenceProblems(await infra())).toEqual([]);
  });

  it('uses only outputs the called modules declare', async () => {
    expect(outputProblems(await infra())).toEqual([]);
  });

  it('documents every root variable', async () => {
    const tf = await infra();
    const undocumented = tf.variables.filter((v) => v.module === '.' && typeof v.body.description !== 'string').map((v) => v.name);
    expect(undocumented).toEqual([]);
  });
});
