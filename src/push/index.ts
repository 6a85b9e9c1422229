export { PushSubscription, UndeliverableItemError, type PushSink, type PushSubscriptionOptions, type OfferOutcome } from './PushSubscription';
export { StreamFeed, type FeedSource, type FeedOptions, type ItemDecoder } from './StreamFeed';
export { FeedHub } from './FeedHub';
export type { ClientPrincipal } from './ClientPrincipal';
