export { ACCESS_JOB_IDS, QUEUES, type PayloadOf, type QueueDefinition, type QueueKey } from './catalog';
export { closeWorker, createQueue, createWorker, enqueue, UnrecoverableError, type JobContext, type Processor, type QueueContext, type TypedQueue } from './queues';
export { closeRedis, createRedis, type RedisRole } from './redis';
