export { SlackAdapterError, type SlackErrorCode, type SlackErrorKind } from './errors';
export { computeSlackSignature, signSlackRequest, SLACK_TIMESTAMP_WINDOW_SECONDS, verifySlackSignature, type VerifyInput } from './signature';
export { createMemoryReplayCache, createRedisReplayCache, type ReplayCache } from './replay-cache';
export { rawBodyOf, registerSlackInbound, slackRetryNum, type SlackInboundOptions } from './inbound';
export { createModalClient, createSlackClient, DEFAULT_RETRY_CONFIG, toSlackError, type SlackClientConfig } from './client';
export { createApproverDirectory, type ApproverDirectory, type ApproverSource } from './approvers';
export { createUserDirectory, type SlackPerson, type UserDirectory } from './users';
export { createPendingStore, type PendingStore, type PendingStoreOptions, type ThreadName, type ThreadRef } from './pending-store';
export { createSlackDelivery, type SlackChannels, type SlackDelivery, type SlackDeliveryDeps } from './delivery';
export { createSlackNotifier, createSlackNotifyWorker, notifyJobId, SLACK_BACKOFF, slackBackoff, type NotifyWorkerOptions } from './notifier';
export { canonicalKind, type CanonicalKind } from './kinds';
export { personOfActor, summarize } from './summarize';
export { slackEnv, slackSettings, type SlackEnvConfig, type SlackSettings } from './config';
export { ACTIONS, escapeText, formatDuration, isSlackUserId, personOf, requestLink, slackAgo, slackDate, VIEWS, who, type ClusterChoice, type Environment, type MessageLinks, type Person, type RequestSummary } from './blocks/model';
export { clusterOptions, databaseOptions, modalErrors, readRequestModal, REQUEST_FIELDS, requestModal, type RequestModalInput, type RequestModalValues } from './blocks/request-modal';
export {
  accessEndedUpdate,
  approverMessage,
  credentialsDm,
  credentialsModal,
  credentialsUnavailableModal,
  endNowConfirm,
  decidedMessage,
  denyReasonModal,
  endedDm,
  extensionMessage,
  grantsList,
  helpMessage,
  noticeDm,
  publicRequestMessage,
  requestedDm,
  threadUpdate,
  warningDm,
  type ConnectionView,
  type CredentialsView,
  type Decision,
  type SlackMessage,
} from './blocks/messages';
export { type BlockAction, type BlockSuggestion, type Interaction, interactionSchema, isApproverInteraction, isSchemaReviewInteraction, parseInteraction, privateMetadata, type SlashCommand, slashCommandSchema, type ViewSubmission } from './payloads';
export { createRestBridge, type ActingPerson, type BridgeAnswer, type RestBridge } from './rest-bridge';
export { alsoToSlack, createSlackKit, slackBridgeToken, slackKitFromConfig, slackNotifyWorker, type SlackKit } from './kit';
export { forwardSlackRequest, SLACK_APPROVALS_PREFIX, SLACK_REVIEWS_PREFIX, type ForwardedAnswer } from './forward';
export { shorterDurations, type ChangeBatch } from './blocks/model';
