export * from './NodeRegistry';
