export * from './contract';
export * from './dto';
