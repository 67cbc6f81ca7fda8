/** Inbound handling: Baileys messages → deduped, catch-up-windowed decisions → queued replies. */
export { toInbound, dedupeKey, unwrapContent, textOf } from './to-inbound.js';
export { classifyMessage, contentKind } from './classify.js';
export { DedupeStore } from './dedupe-store.js';
export type { DedupeStoreOptions } from './dedupe-store.js';
export { MissedStore, toMissedView } from './missed-store.js';
export type { MissedListView, MissedEntry, MissedResolution, MissedStoreOptions, MissedEvents } from './missed-store.js';
export { ReplyPipeline, REASONS, CANCEL_WORDS, SAME_SECOND_CANCEL_WORDS } from './reply-pipeline.js';
export type { CancelReason } from './reply-pipeline.js';
export type { ReplyPipelineOptions, PipelineSettings, HandleOutcome, GenerateOutcome, MissedActionResult } from './reply-pipeline.js';
export { attachInbound } from './attach.js';
export { fromAutoReplyEngine } from './autoreply-adapter.js';
export type { InboundSink } from './attach.js';
export type { Decision, Skip, ReplyEngine, RenderResult, ReceivedMessage, InboundMessage } from './types.js';
