export { captureLogger, freePort, startTestDynamo, testServices, uniqueName, waitFor } from './services';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { checkOpenApiDocument, createOpenApiValidator, type OpenApiDocument } from './openapi-check';
