/**
 * The collections of the data section (bench/dataSection.ts). The nodes load them beside the
 * example actors only when that section runs (see nodeActorsDir in dataSection.ts).
 */
import { Collection, DataRecord } from '../../src';

/** Status and owner are strings in every record, as most applications declare: equality goes to the members as equality. */
const SCHEMA = { type: 'object', properties: { status: { type: 'string' }, owner: { type: 'string' } } };

/** 100k records queried by `status` with the grid's index on `value.status`. */
@Collection('bench_indexed', { indexes: ['status', 'owner'], schema: SCHEMA })
export class BenchIndexed extends DataRecord {}

/** The same 100k records, no index: every query scans them all on the member. */
@Collection('bench_plain', { schema: SCHEMA })
export class BenchPlain extends DataRecord {}

/** The few records watched queries (`owner = 'u<k>'`) follow, and the records of the write runs. */
@Collection('bench_live', { indexes: ['owner'], schema: SCHEMA })
export class BenchLive extends DataRecord {}
