/**
 * A local HTTP server speaking the documented wire formats of the OpenAI API (chat completions
 * incl. SSE chunks and the `stream_options.include_usage` usage chunk; the Responses API incl. its
 * typed SSE events) and the Anthropic Messages API (incl. message_start / content_block_* /
 * message_delta / message_stop SSE events). The real `openai` and `@anthropic-ai/sdk` clients talk
 * to it in the wrapper tests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, unknown>;

export interface RecordedRequest {
  path: string;
  body: Obj;
}

const CREATED = 1_763_000_000;

export class FakeLlmServer {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  port = 0;

  get openaiBaseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }
  get anthropicBaseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Obj;
        const path = (req.url ?? '').split('?')[0];
        this.requests.push({ path, body });
        if (body.model === 'broken') return this.fail(res, path);
        if (path === '/v1/chat/completions')
          return body.stream ? this.chatStream(res, body) : this.chat(res, body);
        if (path === '/v1/responses')
          return body.stream ? this.responsesStream(res, body) : this.responses(res, body);
        if (path === '/v1/messages')
          return body.stream ? this.messagesStream(res, body) : this.messages(res, body);
        if (path === '/v1/embeddings') return this.embeddings(res, body);
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  private json(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }

  private fail(res: http.ServerResponse, path: string): void {
    if (path === '/v1/messages') {
      this.json(res, 400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'model: broken is not a model' },
      });
      return;
    }
    this.json(res, 400, {
      error: {
        message: 'The model `broken` does not exist',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  }

  private sse(res: http.ServerResponse, events: Array<{ event?: string; data: unknown }>): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const e of events) {
      const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
      res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
    }
    res.end();
  }

  /** Asks for a tool when the request offers tools and no tool result is in the conversation yet. */
  private wantsTool(body: Obj): boolean {
    const msgs = (body.messages as Obj[]) ?? [];
    return (
      Array.isArray(body.tools) &&
      body.tools.length > 0 &&
      !msgs.some((m) => m.role === 'tool' || hasToolResult(m))
    );
  }

  private chat(res: http.ServerResponse, body: Obj): void {
    const tool = this.wantsTool(body);
    this.json(res, 200, {
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created: CREATED,
      model: `${body.model}-2025-01-01`,
      choices: [
        {
          index: 0,
          message: tool
            ? {
                role: 'assistant',
                content: null,
                tool_calls: [
                  {
                    id: 'call_1',
                    type: 'function',
                    function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                  },
                ],
              }
            : { role: 'assistant', content: 'Hello from fake OpenAI', refusal: null },
          logprobs: null,
          finish_reason: tool ? 'tool_calls' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: 50,
        completion_tokens: 12,
        total_tokens: 62,
        prompt_tokens_details: { cached_tokens: 32, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 4, audio_tokens: 0 },
      },
    });
  }

  private chatStream(res: http.ServerResponse, body: Obj): void {
    const includeUsage = (body.stream_options as Obj | undefined)?.include_usage === true;
    const tool = this.wantsTool(body);
    const base = {
      id: 'chatcmpl-fake-2',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: `${body.model}-2025-01-01`,
    };
    const chunk = (delta: Obj, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const events: Array<{ data: unknown }> = [{ data: chunk({ role: 'assistant', content: '' }) }];
    if (tool) {
      events.push({
        data: chunk({
          tool_calls: [
            { index: 0, id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        }),
      });
      for (const piece of ['{"ci', 'ty":"Os', 'lo"}'])
        events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }) });
      events.push({ data: chunk({}, 'tool_calls') });
    } else {
      for (const piece of ['Hel', 'lo ', 'stream']) events.push({ data: chunk({ content: piece }) });
      events.push({ data: chunk({}, 'stop') });
    }
    if (includeUsage)
      events.push({
        data: {
          ...base,
          choices: [],
          usage: {
            prompt_tokens: 21,
            completion_tokens: 7,
            total_tokens: 28,
            prompt_tokens_details: { cached_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0 },
          },
        },
      });
    events.push({ data: '[DONE]' });
    this.sse(res, events);
  }

  /** The client asks for base64 (little-endian float32) by default and decodes it itself. */
  private embeddings(res: http.ServerResponse, body: Obj): void {
    const vector = [0.25, -0.5, 1];
    const embedding =
      body.encoding_format === 'base64'
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector;
    this.json(res, 200, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding }],
      model: `${body.model}-v1`,
      usage: { prompt_tokens: 6, total_tokens: 6 },
    });
  }

  private responseBody(body: Obj, status = 'completed'): Obj {
    return {
      id: 'resp_fake_1',
      object: 'response',
      created_at: CREATED,
      status,
      model: `${body.model}-2025-01-01`,
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [] },
        {
          type: 'message',
          id: 'msg_1',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Responses says hi', annotations: [] }],
        },
      ],
      usage: {
        input_tokens: 30,
        input_tokens_details: { cached_tokens: 10 },
        output_tokens: 9,
        output_tokens_details: { reasoning_tokens: 3 },
        total_tokens: 39,
      },
    };
  }

  private responses(res: http.ServerResponse, body: Obj): void {
    this.json(res, 200, this.responseBody(body));
  }

  private responsesStream(res: http.ServerResponse, body: Obj): void {
    const inProgress = { ...this.responseBody(body, 'in_progress'), output: [], usage: null };
    let seq = 0;
    const ev = (type: string, data: Obj) => ({
      event: type,
      data: { type, sequence_number: seq++, ...data },
    });
    this.sse(res, [
      ev('response.created', { response: inProgress }),
      ev('response.in_progress', { response: inProgress }),
      ev('response.output_item.added', {
        output_index: 0,
        item: { type: 'message', id: 'msg_1', status: 'in_progress', role: 'assistant', content: [] },
      }),
      ev('response.output_text.delta', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: 'Responses ',
      }),
      ev('response.output_text.delta', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: 'says hi',
      }),
      ev('response.output_text.done', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        text: 'Responses says hi',
      }),
      ev('response.completed', { response: this.responseBody(body) }),
    ]);
  }

  private messages(res: http.ServerResponse, body: Obj): void {
    const tool =
      Array.isArray(body.tools) &&
      body.tools.length > 0 &&
      !((body.messages as Obj[]) ?? []).some(hasToolResult);
    this.json(res, 200, {
      id: 'msg_fake_1',
      type: 'message',
      role: 'assistant',
      model: `${body.model}-20250101`,
      content: tool
        ? [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ]
        : [{ type: 'text', text: 'Hello from fake Claude' }],
      stop_reason: tool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 40,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 100,
        output_tokens: 15,
      },
    });
  }

  private messagesStream(res: http.ServerResponse, body: Obj): void {
    const tool = Array.isArray(body.tools) && body.tools.length > 0;
    const events: Array<{ event: string; data: Obj }> = [
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: 'msg_fake_2',
            type: 'message',
            role: 'assistant',
            model: `${body.model}-20250101`,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: 25,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 8,
              output_tokens: 1,
            },
          },
        },
      },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      { event: 'ping', data: { type: 'ping' } },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    ];
    if (tool) {
      events.push(
        {
          event: 'content_block_start',
          data: {
            type: 'content_block_start',
            index: 1,
            content_block: { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} },
          },
        },
        {
          event: 'content_block_delta',
          data: {
            type: 'content_block_delta',
            index: 1,
            delta: { type: 'input_json_delta', partial_json: '{"city": "Ro' },
          },
        },
        {
          event: 'content_block_delta',
          data: {
            type: 'content_block_delta',
            index: 1,
            delta: { type: 'input_json_delta', partial_json: 'me"}' },
          },
        },
        { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
      );
    }
    events.push(
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: 17 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    );
    this.sse(res, events);
  }
}

function hasToolResult(m: Obj): boolean {
  return Array.isArray(m.content) && (m.content as Obj[]).some((c) => c.type === 'tool_result');
}
