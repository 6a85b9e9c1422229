import { Predicates, type Predicate as HzPredicate } from 'hazelcast-client';
import type { Predicate } from '../Predicate';

/** Translates our predicate data into Hazelcast predicates, evaluated on the members. */
export function toHazelcastPredicate(p: Predicate): HzPredicate {
  switch (p.op) {
    case 'true':
      return Predicates.alwaysTrue();
    case 'eq':
      return Predicates.equal(p.path, p.value);
    case 'ne':
      return Predicates.notEqual(p.path, p.value);
    case 'gt':
      return Predicates.greaterThan(p.path, p.value);
    case 'gte':
      return Predicates.greaterEqual(p.path, p.value);
    case 'lt':
      return Predicates.lessThan(p.path, p.value);
    case 'lte':
      return Predicates.lessEqual(p.path, p.value);
    case 'in':
      return Predicates.inPredicate(p.path, ...p.values);
    case 'like':
      return Predicates.like(p.path, p.pattern);
    case 'and':
      return Predicates.and(...p.of.map(toHazelcastPredicate));
    case 'or':
      return Predicates.or(...p.of.map(toHazelcastPredicate));
    case 'not':
      return Predicates.not(toHazelcastPredicate(p.of));
  }
}
