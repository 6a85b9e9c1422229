export { Collection, type CollectionOptions } from './Collection';
export { DataRecord, type RecordValue } from './DataRecord';
export { DataService, type DataServiceOptions, type DataQuery } from './DataService';
export type { DataChange, DataRecordView } from './Watch';
