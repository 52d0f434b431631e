import type { AiProvider, CompletionRequest } from './types';

export interface OpenAiCompatibleOptions {
  /** e.g. https://api.openai.com/v1 or a local server's /v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

/** Any endpoint speaking the OpenAI chat-completions API (OpenAI, Azure-compatible gateways, vLLM, Ollama). */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): AiProvider {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    name: 'openai-compatible',
    model: options.model,
    async complete(request: CompletionRequest): Promise<string> {
      const res = await doFetch(url, {
        method: 'POST',
        signal: request.signal,
        headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body: JSON.stringify({
          model: options.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.user },
          ],
        }),
      });
      if (!res.ok) throw new Error(`the model endpoint answered HTTP ${res.status}`);
      const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new Error('the model endpoint answered without choices[0].message.content');
      return content;
    },
  };
}
