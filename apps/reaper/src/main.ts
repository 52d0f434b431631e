import { runAccessWorker } from '@dbre/access';
import { loadConfigOrExit } from '@dbre/service-kit';
import { reaperConfig } from './config';

runAccessWorker('reaper', loadConfigOrExit(reaperConfig, process.env)).catch((err: unknown) => {
  console.error('reaper failed to start:', err);
  process.exit(1);
});
