/** Says once, before the tests, which cluster backends this run covers (and why the real one is missing, if it is). */
import { realBinaries, testBackends } from '../helpers/backends.js';

export default function setup(): void {
  const backends = testBackends();
  if (backends.includes('real')) {
    console.log(`cluster backends: ${backends.join(' + ')}`);
    return;
  }
  const real = realBinaries();
  const why = 'missing' in real ? real.missing : 'not requested (HOOKRUNNER_TEST_BACKENDS)';
  console.log(`cluster backends: embedded only — the REAL control plane was NOT run: ${why}`);
}
