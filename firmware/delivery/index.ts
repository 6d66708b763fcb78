// Public face of the delivery room: the DeliveryTarget seam, the local target,
// the router between local and outbound, and the Received header they write.

export { createLocalTarget, errorSummary, type LocalTargetDeps } from './local.ts';
export { createOutboundTarget, type OutboundTargetDeps } from './outbound/target.ts';
export { receivedHeader, rfc5322Date, transmissionType } from './received.ts';
export { createRouter, domainOf, RELAY_DENIED, type RouterDeps } from './router.ts';
export type {
  AuthUser,
  ClientInfo,
  CommitResult,
  DeliveryTarget,
  DeliveryTransaction,
  Envelope,
  MessageInfo,
  RecipientResult,
} from './target.ts';
