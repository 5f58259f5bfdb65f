// The queue flow of Sunra's JavaScript client (@sunra/client 0.5), sent the way it sends it: the
// official package is not on the npm registry these tests can reach, so this script makes the same
// calls on the same libraries (axios, eventsource-parser 3). What it mirrors:
// - URLs are rebuilt from SUNRA_API_ENDPOINT (default https://api.sunra.ai/v1) and the request_id;
// - every call carries Authorization: Key <credentials>, Accept and Content-Type: application/json;
// - with a proxyUrl, each call goes there instead, with the real URL in x-sunra-target-url;
// - polling asks ?logs=0 and stops at COMPLETED, which must carry success: true;
// - streaming parses every event's data as JSON and stops at COMPLETED;
// - an error is read as the client's extractSunraError does: x-request-id, then error.{type,code,message}.
// It prints one JSON line with what it saw, for the test to check.
import axios from 'axios';
import { createParser } from 'eventsource-parser';

const base = process.env.SUNRA_API_ENDPOINT ?? 'https://api.sunra.ai/v1';
const credentials = process.env.SUNRA_KEY;
const proxyUrl = process.env.SUNRA_PROXY_URL;
const pollInterval = Number(process.env.POLL_INTERVAL_MS ?? 1000);
const endpointId = 'openai/sora-2/video-to-video';
const maxPolls = 100;

function config(method, targetUrl, input, extra = {}) {
  const useProxy = proxyUrl && !targetUrl.startsWith(proxyUrl);
  return {
    url: useProxy ? proxyUrl : targetUrl,
    method,
    data: input,
    headers: {
      ...(credentials ? { Authorization: `Key ${credentials}` } : {}),
      Accept: 'application/json',
      'Content-Type': 'application/json',
      ...(useProxy ? { 'x-sunra-target-url': targetUrl } : {}),
      'User-Agent': '@sunra/client/0.5.0',
      ...extra,
    },
  };
}

const call = async (method, url, input) => (await axios.request(config(method, url, input))).data;

// What the client's extractSunraError reads from a failed call.
async function failure(method, url, input) {
  try {
    await axios.request(config(method, url, input));
  } catch (e) {
    const data = e.response?.data;
    return {
      status: e.response?.status,
      contentType: e.response?.headers['content-type'],
      requestId: e.response?.headers['x-request-id'],
      type: data?.error?.type,
      code: data?.error?.code,
      message: data?.error?.message,
    };
  }
  throw new Error(`${method} ${url} was expected to fail`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const input = { video_id: 'video_123', prompt: 'The same scene at dusk, in the rain' };

// subscribe(), polling mode: submit, poll the status until COMPLETED, read the result.
const submitted = await call('POST', `${base}/queue/${endpointId}`, input);
const id = submitted.request_id;
const notYet = await failure('GET', `${base}/queue/requests/${id}`);
const polled = [];
let status;
for (let i = 0; i < maxPolls; i++) {
  status = await call('GET', `${base}/queue/requests/${id}/status?logs=0`);
  polled.push(status.status);
  if (status.status === 'COMPLETED') break;
  await sleep(pollInterval);
}
if (status.status !== 'COMPLETED' || !status.success) {
  throw new Error(`polling ended without success: ${JSON.stringify(status)}`);
}
const result = await call('GET', `${base}/queue/requests/${id}`);

// subscribe(), streaming mode, on a second submit.
const second = await call('POST', `${base}/queue/${endpointId}`, input);
const streamConfig = config('GET', `${base}/queue/requests/${second.request_id}/status/stream?logs=0`, undefined, {
  Accept: 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
});
const abort = new AbortController();
const stream = await axios.request({ ...streamConfig, adapter: 'fetch', responseType: 'stream', signal: abort.signal });
const reader = stream.data.getReader();
const decoder = new TextDecoder();
const streamed = [];
let completed = null;
const parser = createParser({
  onEvent: (event) => {
    const data = JSON.parse(event.data);
    streamed.push(data.status);
    if (data.status === 'COMPLETED') {
      completed = data;
      abort.abort();
    }
  },
});
while (!completed) {
  let chunk;
  try {
    chunk = await reader.read();
  } catch (e) {
    if (completed) break;
    throw e;
  }
  if (chunk.done) break;
  parser.feed(decoder.decode(chunk.value, { stream: true }));
}
if (!completed?.success) {
  throw new Error(`the stream ended without a successful COMPLETED: ${JSON.stringify(streamed)}`);
}
const streamedResult = await call('GET', `${base}/queue/requests/${second.request_id}`);

// cancel() on a request that completed, and a submit the model card's schema refuses.
const cancel = await failure('PUT', `${base}/queue/requests/${id}/cancel`);
const invalid = await failure('POST', `${base}/queue/${endpointId}`, { video_id: '', prompt: '' });

console.log(JSON.stringify({
  submitted,
  notYet,
  polled,
  completed: status,
  result,
  streamed,
  streamedResult,
  cancel,
  invalid,
}));
