export { SharedObject, sharedObjectRecordOf, type SharedObjectOptions, type SharedObjectHooks, type SharedObjectUpdate, type SharedObjectSnapshot, type SharedObjectCaller } from './SharedObject';
export { SharedObjectRegistry, type SharedObjectSpec } from './SharedObjectRegistry';
export { SharedObjectService, type SharedObjectSubscription } from './SharedObjectService';
export { SHARED_OBJECT_TYPE } from './SharedObjectActor';
