/**
 * A local OpenAI-compatible chat-completions server that holds requests to the API's shapes: it
 * enforces the bearer key, refuses a request body the API would refuse (with the API's error body
 * shape: `{ error: { message, type, param, code } }`), knows its models, and answers in the
 * `chat.completion` shape. Faults on demand: a status with its real error body, or no answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

const messageSchema = z
  .object({ role: z.enum(['system', 'user', 'assistant']), content: z.string(), name: z.string().optional() })
  .strict();

/** What this server accepts: the request fields Replyline may send, no others. */
export const chatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(messageSchema).min(1),
    stream: z.literal(false).optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().min(1).optional(),
  })
  .strict();
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed body when it was JSON. */
  body: unknown;
  /** Status this server answered with. */
  status: number;
}

export type Fault = { status: 401 | 403 | 404 | 429 | 500 | 502 | 503 } | { hang: true } | { raw: { status: number; type: string; body: string } };

export interface FakeOpenAi {
  /** Base URL as a rule takes it: `http://127.0.0.1:PORT/v1`. */
  readonly baseUrl: string;
  readonly requests: SeenRequest[];
  /** Chat requests that were answered 200, in order. */
  readonly completions: ChatRequest[];
  /** The reply text for a valid request (default: "Echo: <last user message>"). */
  answer: (request: ChatRequest) => string;
  /** The next requests get this fault instead of an answer (`times` of them; default all). */
  fault(fault: Fault | undefined, times?: number): void;
  close(): Promise<void>;
}

const ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  403: { message: 'You are not allowed to sample from this model', type: 'invalid_request_error', code: 'model_not_allowed' },
  429: { message: 'Rate limit reached for requests. Please try again in 20s.', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

export async function startFakeOpenAi(options: { key?: string; models?: string[] } = {}): Promise<FakeOpenAi> {
  const models = new Set(options.models ?? ['gpt-4o-mini', 'llama3.2']);
  const requests: SeenRequest[] = [];
  const completions: ChatRequest[] = [];
  let faults: { fault: Fault; left: number } | undefined;
  const hung = new Set<ServerResponse>();

  const send = (res: ServerResponse, seen: SeenRequest, status: number, body: unknown) => {
    seen.status = status;
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${requests.length}` });
    res.end(JSON.stringify(body));
  };
  const error = (message: string, type: string, param: string | null = null, code: string | null = null) => ({
    error: { message, type, param, code },
  });
  const modelNotFound = (body: unknown) => {
    const model = (body as { model?: unknown } | undefined)?.model;
    return error(`The model \`${String(model)}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status: 0 };
      requests.push(seen);

      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        return send(res, seen, 404, error(`Invalid URL (${req.method} ${req.url})`, 'invalid_request_error'));
      }
      if (options.key !== undefined) {
        const auth = req.headers.authorization;
        if (!auth) {
          return send(res, seen, 401, error("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error'));
        }
        if (auth !== `Bearer ${options.key}`) {
          // The real API shows part of the key it was given; this one echoes all of it, so a test
          // can check that Replyline never passes it on.
          return send(res, seen, 401, error(`Incorrect API key provided: ${auth.replace(/^Bearer /, '')}.`, 'invalid_request_error', null, 'invalid_api_key'));
        }
      }
      if (faults && faults.left > 0) {
        const { fault } = faults;
        faults.left--;
        if ('hang' in fault) {
          hung.add(res);
          return;
        }
        if ('raw' in fault) {
          seen.status = fault.raw.status;
          res.writeHead(fault.raw.status, { 'content-type': fault.raw.type });
          return res.end(fault.raw.body);
        }
        if (fault.status === 404) return send(res, seen, 404, modelNotFound(body));
        if (fault.status === 401) return send(res, seen, 401, error('Incorrect API key provided: sk-…xyz.', 'invalid_request_error', null, 'invalid_api_key'));
        const e = ERRORS[fault.status]!;
        return send(res, seen, fault.status, error(e.message, e.type, null, e.code));
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return send(res, seen, 400, error('Unsupported content type; send application/json.', 'invalid_request_error'));
      }
      const parsed = chatRequestSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return send(res, seen, 400, error(`Invalid request: ${issue.message}`, 'invalid_request_error', issue.path.join('.') || null));
      }
      if (!models.has(parsed.data.model)) return send(res, seen, 404, modelNotFound(parsed.data));
      completions.push(parsed.data);
      const content = fake.answer(parsed.data);
      const promptChars = parsed.data.messages.reduce((n, m) => n + m.content.length, 0);
      send(res, seen, 200, {
        id: `chatcmpl-${completions.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: parsed.data.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 },
        system_fingerprint: 'fp_fake',
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeOpenAi = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    completions,
    answer: (r) => `Echo: ${[...r.messages].reverse().find((m) => m.role === 'user')?.content ?? ''}`,
    fault(fault, times = Number.POSITIVE_INFINITY) {
      faults = fault ? { fault, left: times } : undefined;
    },
    close: () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
  return fake;
}
