/** The durable outbox: queue replies, deliver them exactly once or say why not. */
export { Outbox, OutboxError } from './outbox.js';
export { sameAccount } from '../connection/account.js';
export type { OutboxOptions, CancelResult, OutboxDiagnostics, OutboxErrorKind } from './outbox.js';
export type { DeliveryState, OutboxEntry, NewReply, OutboxChange, OutboxEvents } from './types.js';
export { DELIVERY_STATES, isFinished, isConfirmed } from './types.js';
export type { DeliveryError, DeliveryErrorKind } from './errors.js';
export { newMessageId } from './message-id.js';
