export { Destination, type DestinationOptions, type DestinationHooks, type DestinationCaller, type OutgoingMessage, type HeaderValue } from './Destination';
export { DestinationRegistry, type DestinationSpec } from './DestinationRegistry';
export { DestinationService, type PublishInput, type SubscribeInput } from './DestinationService';
export { publicMessage, gapFrame, type DestinationDelivery, type DestinationSink, type DestinationSubscription } from './DestinationDelivery';
export { Selector } from './Selector';
export { SubtopicPattern, checkSubtopic } from './SubtopicPattern';
