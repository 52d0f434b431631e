export { startSlackStandIn, type Failure, type RecordedCall, type SlackStandIn, type StandInUser } from './stand-in';
export { buttonClick, interaction, signBody, slashCommand, triggerId, viewSubmission, type SignedRequest, type SlashCommandFields } from './signed-requests';
