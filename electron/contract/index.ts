export * from './contract';
export * from './dto';
export * from './contacts';
export * from './call-quality';
export * from './headset';
export * from './presence';
export * from './queues';
export * from './services';
