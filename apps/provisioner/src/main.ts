import { runAccessWorker } from '@dbre/access';
import { loadConfigOrExit } from '@dbre/service-kit';
import { provisionerConfig } from './config';

runAccessWorker('provisioner', loadConfigOrExit(provisionerConfig, process.env)).catch((err: unknown) => {
  console.error('provisioner failed to start:', err);
  process.exit(1);
});
