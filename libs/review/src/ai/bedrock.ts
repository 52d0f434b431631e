import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { AiProvider, CompletionRequest } from './types';

export interface BedrockOptions {
  client: BedrockRuntimeClient;
  /** A model id or inference profile, e.g. anthropic.claude-3-5-sonnet-20240620-v1:0 */
  modelId: string;
  maxTokens?: number;
}

/** Amazon Bedrock through the Converse API (one request shape for every model family). */
export function createBedrockProvider(options: BedrockOptions): AiProvider {
  return {
    name: 'bedrock',
    model: options.modelId,
    async complete(request: CompletionRequest): Promise<string> {
      const out = await options.client.send(
        new ConverseCommand({
          modelId: options.modelId,
          system: [{ text: request.system }],
          messages: [{ role: 'user', content: [{ text: request.user }] }],
          inferenceConfig: { temperature: 0, maxTokens: options.maxTokens ?? 2000 },
        }),
        { abortSignal: request.signal },
      );
      const text = out.output?.message?.content?.map((c) => c.text ?? '').join('') ?? '';
      if (!text) throw new Error(`Bedrock answered without text (stopReason ${out.stopReason ?? 'unknown'})`);
      return text;
    },
  };
}

export { BedrockRuntimeClient };
